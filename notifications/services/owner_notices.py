"""Notices to the owner about their replies, appointments and inquiries (kinds `appointment`
and `inquiry_answer`), through the same pipeline as reminders: a Notice row with a unique
dedupe key, deliveries per channel (deliveries.deliveries_create routes navi / app / e-mail),
the inbox copies delivered at once, and the outbox task queued after commit for the e-mail copy.

Category `transactional`: the owner asked for these by replying; they are neither advertising
nor reminders nor safety, and no opt-out holds them back (NoticeCategory).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.utils import timezone

from dealers.models import Store
from dealers.selectors.calendar import business_date
from dealers.services.queueing import task_queue_on_commit
from notifications.models import Delivery, Notice, NoticeCategory, NoticeKind
from notifications.services.deliveries import deliveries_create
from vehicles.models import Vehicle

REPLY_CATEGORY = NoticeCategory.TRANSACTIONAL


def store_facts(store: Store) -> dict[str, Any]:
    return {
        "store_name": store.name, "store_phone": store.phone, "store_address": store.address,
        "company_name": store.company.name,
    }


def vehicle_facts(vehicle: Vehicle) -> dict[str, Any]:
    return {"car_name": vehicle.car_name, "plate": vehicle.plate_display}


def due_facts(due_kind: str, due_event_date: dt.date | None) -> dict[str, Any]:
    """Kept on every reply-side notice, so a reply to it books for the same due event."""
    return {"kind": due_kind, "event_date": due_event_date.isoformat() if due_event_date else None}


def notice_due(notice: Notice | None) -> dict[str, Any]:
    """The due event a notice is about, as due_facts: a reminder's own (kind, event date); a
    reply-side notice carries the one it was created for."""
    if notice is None:
        return due_facts("", None)
    if notice.kind in (NoticeKind.APPOINTMENT, NoticeKind.INQUIRY_ANSWER):
        return {**due_facts("", None), **((notice.context or {}).get("due") or {})}
    return due_facts(notice.kind, notice.event_date)


def owner_notice_send(
    *, vehicle: Vehicle, store: Store, kind: str, stage: str, dedupe_key: str, source_id: int,
    context: dict[str, Any], due: dict[str, Any],
) -> Notice | None:
    """Create the notice (once per dedupe key) and its deliveries; None when the car has no
    owner to tell. Call inside the transaction that made the change."""
    customer = vehicle.customer
    if customer is None:
        return None
    today = business_date()
    event_date = dt.date.fromisoformat(due["event_date"]) if due.get("event_date") else today
    # One round trip whether new or not: ON CONFLICT (dedupe_key) DO UPDATE … RETURNING id (the
    # update rewrites the key with itself; the existing row keeps all its facts).
    [notice] = Notice.objects.bulk_create(
        [
            Notice(
                dedupe_key=dedupe_key, company_id=vehicle.company_id, vehicle=vehicle, customer=customer, kind=kind,
                stage=stage, category=REPLY_CATEGORY, event_date=event_date, send_on=today, source_id=source_id,
                language=customer.language or "ja",
                context={**vehicle_facts(vehicle), **store_facts(store), **context, "due": due},
            )
        ],
        update_conflicts=True, unique_fields=["dedupe_key"], update_fields=["dedupe_key"],
    )
    now = timezone.now()
    deliveries_create(send_after=today - dt.timedelta(days=1), send_on=today, kind=kind, source_id=source_id, now=now)
    if _inbox_deliver(notice.pk, now=now):
        task_queue_on_commit("notifications.tasks.send_due_deliveries")  # the every-minute outbox scan catches up
    return notice


# The owner is waiting for this answer: its inbox copies (navi when paired, app) are delivered
# at once, as deliveries.inbox_deliver_due does for due rows, but for this notice only, so
# concurrent replies never touch each other's rows. Returns whether an e-mail copy waits for
# the outbox (only then is the outbox task queued).
_INBOX_DELIVER_SQL = f"""
WITH delivered AS (
    UPDATE {Delivery._meta.db_table} SET status = 'delivered', delivered_at = %(now)s, attempts = attempts + 1
    WHERE notice_id = %(notice)s AND channel IN ('navi', 'app') AND status = 'queued'
    RETURNING notice_id
), sent AS (
    UPDATE {Notice._meta.db_table} SET status = 'sent'
    WHERE id = %(notice)s AND status = 'queued' AND EXISTS (SELECT 1 FROM delivered)
)
SELECT EXISTS (SELECT 1 FROM {Delivery._meta.db_table} WHERE notice_id = %(notice)s AND channel = 'email' AND status = 'queued')
"""  # noqa: S608 - table names from model metadata, values are parameters


def _inbox_deliver(notice_id: int, *, now: dt.datetime) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_INBOX_DELIVER_SQL, {"notice": notice_id, "now": now})
        return bool(cursor.fetchone()[0])


