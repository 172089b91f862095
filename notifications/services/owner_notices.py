"""Notices to the owner about their replies, appointments and inquiries (kinds `appointment`
and `inquiry_answer`), through the same pipeline as reminders: a Notice row with a unique
dedupe key, deliveries per channel (deliveries.deliveries_create routes navi / app / e-mail),
and the outbox task queued after commit.

Category: these are transactional messages the owner asked for by replying, not advertising
or reminders, so no opt-out may hold them back. The consent categories have no "transactional"
value yet; `safety` is the one that is never suppressed, so it is used here (see the report).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from dealers.calendar import business_date
from dealers.models import Store
from notifications.models import Notice, NoticeKind
from notifications.services.deliveries import deliveries_create
from vehicles.models import ConsentCategory, Vehicle

REPLY_CATEGORY = ConsentCategory.SAFETY


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
    notice, _created = Notice.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "company_id": vehicle.company_id, "vehicle": vehicle, "customer": customer, "kind": kind, "stage": stage,
            "category": REPLY_CATEGORY, "event_date": event_date, "send_on": today, "source_id": source_id,
            "language": customer.language or "ja",
            "context": {**vehicle_facts(vehicle), **store_facts(store), **context, "due": due},
        },
    )
    deliveries_create(send_after=today - dt.timedelta(days=1), send_on=today, kind=kind, source_id=source_id, now=timezone.now())
    transaction.on_commit(_queue_outbox)
    return notice


def _queue_outbox() -> None:
    from notifications.tasks import send_due_deliveries

    send_due_deliveries.delay()

