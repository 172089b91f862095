"""Dealer event mail: compose, preview, schedule, send (issue 3 "Dealer event mail").

One notice per car, and each mail names its car (subject and first line): an owner of three
cars gets three mails that say which car each is for. Kept per car rather than one mail per
owner because every channel but e-mail is the car's (its navigation unit), and a reply to the
mail books a visit for that car: one mail for several cars could not say which to book.

Advertising mail goes only to owners whose marketing consent is granted at send time, with a
grant record as evidence (domain §5); the record's id is kept on each notice's context.
Sending is an idempotent set-based insert (dedupe key ``event:<event_id>:<vehicle_id>``)
done in one transaction with the status flip, so a crashed send is simply retried by the scan.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import DealerCompany, Role, Store, User
from dealers.services.audit import audit_record
from dealers.services.queueing import task_queue_on_commit
from notifications.models import REPLY_TOKEN_SQL, DealerEvent, DealerEventStatus, NoticeKind
from notifications.selectors.events import (
    AUDIENCE_KEEP_SECONDS,
    AudienceSnapshot,
    event_audience_count,
    event_audience_key,
    event_audience_snapshot,
    event_audience_sql,
    event_audience_vehicle_ids,
)
from notifications.services.deliveries import deliveries_create, inbox_deliver_due
from notifications.services.eligibility import NOTICE_COLUMNS, NOTICE_TABLE
from notifications.services.render import Rendered, event_mail_render, event_notice_context, marketing_opt_out_url
from vehicles.models import Customer, Vehicle
from vehicles.parsing.chassis import normalize_model_code

EVENT_STAGE = "event"
TITLE_MAX_LENGTH = 120  # DealerEvent.title
_EDITABLE = (DealerEventStatus.DRAFT, DealerEventStatus.SCHEDULED)


def _check_actor(actor: User | None, company: DealerCompany) -> None:
    if actor is None or actor.role == Role.PLATFORM_ADMIN:
        return
    if actor.role not in (Role.COMPANY_ADMIN, Role.STORE_STAFF) or actor.company_id != company.pk:
        raise PermissionDenied


def _clean_fields(company: DealerCompany, fields: dict) -> dict:
    errors: dict[str, str] = {}
    for name in ("title", "body"):
        fields[name] = (fields.get(name) or "").strip()
        if not fields[name]:
            errors[name] = _("This field is required.")
    if len(fields["title"]) > TITLE_MAX_LENGTH:
        errors["title"] = _("Keep the title under 120 characters.")
    if fields["starts_on"] and fields["ends_on"] and fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = _("The event cannot end before it starts.")
    for name in ("stores", "audience_stores"):
        stores = list(fields.get(name) or [])
        if any(store.company_id != company.pk for store in stores):
            errors[name] = _("Choose stores of your own company.")
        fields[name] = stores
    fields["audience_model_codes"] = sorted({normalize_model_code(c) for c in fields.get("audience_model_codes") or [] if c})
    fields["audience_prefectures"] = sorted({p.strip() for p in fields.get("audience_prefectures") or [] if p.strip()})
    if any(len(code) > 20 for code in fields["audience_model_codes"]):
        errors["audience_model_codes"] = _("A model code has at most 20 characters.")
    if any(len(p) > 8 for p in fields["audience_prefectures"]):
        errors["audience_prefectures"] = _("Enter prefectures such as 東京都.")
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def event_create(
    *,
    company: DealerCompany,
    actor: User | None,
    title: str,
    body: str,
    starts_on: dt.date,
    ends_on: dt.date,
    stores: Iterable[Store] = (),
    audience_model_codes: Iterable[str] = (),
    audience_prefectures: Iterable[str] = (),
    audience_stores: Iterable[Store] = (),
) -> DealerEvent:
    """Create a draft event of `company` (stores and filters must be the company's own)."""
    _check_actor(actor, company)
    fields = _clean_fields(company, {
        "title": title, "body": body, "starts_on": starts_on, "ends_on": ends_on, "stores": stores,
        "audience_model_codes": audience_model_codes, "audience_prefectures": audience_prefectures,
        "audience_stores": audience_stores,
    })
    event_stores, audience = fields.pop("stores"), fields.pop("audience_stores")
    event = DealerEvent.objects.create(company=company, created_by=actor if actor and actor.pk else None, **fields)
    event.stores.set(event_stores)
    event.audience_stores.set(audience)
    audit_record(action="event.create", target=event, actor=actor, company=company, title=event.title)
    return event


def _locked(event: DealerEvent) -> DealerEvent:
    return DealerEvent.objects.select_for_update(of=("self",)).select_related("company").get(pk=event.pk)


@transaction.atomic
def event_schedule(*, event: DealerEvent, send_at: dt.datetime, actor: User | None) -> DealerEvent:
    """Schedule (or re-schedule) sending; an event due already is queued for sending on commit."""
    locked = _locked(event)
    _check_actor(actor, locked.company)
    if locked.status not in _EDITABLE:
        raise ValidationError(_("This event has already been sent or cancelled."))
    if timezone.is_naive(send_at):
        raise ValidationError({"send_at": _("Give the sending time with its time zone.")})
    locked.status, locked.send_at = DealerEventStatus.SCHEDULED, send_at
    locked.save(update_fields=["status", "send_at", "updated_at"])
    audit_record(action="event.schedule", target=locked, actor=actor, company=locked.company_id, send_at=send_at.isoformat())
    if send_at <= timezone.now():
        task_queue_on_commit("notifications.send_event", locked.pk)  # due_events_send catches up
    return locked


@transaction.atomic
def event_cancel(*, event: DealerEvent, actor: User | None) -> DealerEvent:
    locked = _locked(event)
    _check_actor(actor, locked.company)
    if locked.status not in _EDITABLE:
        raise ValidationError(_("This event has already been sent or cancelled."))
    locked.status = DealerEventStatus.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(action="event.cancel", target=locked, actor=actor, company=locked.company_id)
    return locked


@dataclass(frozen=True)
class EventPreview:
    mail: Rendered
    audience: AudienceSnapshot | None  # None while the first count runs


def event_audience_recount(*, event_id: int, on: dt.date | None = None) -> AudienceSnapshot | None:
    """Count the event's audience now and keep it (the task behind the preview's figure)."""
    event = DealerEvent.objects.filter(pk=event_id).first()
    if event is None:
        return None
    on = on or timezone.localdate()
    sample = event_audience_vehicle_ids(event, on=on, limit=1)
    snapshot = AudienceSnapshot(event_audience_count(event, on=on), sample[0] if sample else None, timezone.now())
    cache.set(event_audience_key(event, on=on), {"count": snapshot.count, "sample_vehicle_id": snapshot.sample_vehicle_id,
                                                 "counted_at": snapshot.counted_at.isoformat()}, AUDIENCE_KEEP_SECONDS)
    return snapshot


def event_audience(event: DealerEvent, *, on: dt.date) -> AudienceSnapshot | None:
    """The kept count; a recount is queued when there is none or it is old (one at a time per
    event and filters). In eager mode (the browser tests) the count is there on return."""
    snapshot = event_audience_snapshot(event, on=on)
    if snapshot is None or not snapshot.is_fresh():
        if cache.add(event_audience_key(event, on=on) + ":counting", 1, timeout=60):
            task_queue_on_commit("notifications.events_audience_count", event.pk)
        snapshot = event_audience_snapshot(event, on=on) or snapshot
    return snapshot


def event_preview(*, event: DealerEvent, customer: Customer | None = None, on: dt.date | None = None) -> EventPreview:
    """The mail as `customer` (or the audience's first owner, or a sample name) would get it,
    and the audience as last counted (never counted inside the request)."""
    on = on or timezone.localdate()
    audience = event_audience(event, on=on)
    car: Vehicle | None = None
    if customer is None and audience is not None and audience.sample_vehicle_id is not None:
        car = Vehicle.objects.select_related("customer").filter(pk=audience.sample_vehicle_id).first()
        customer = car.customer if car else None
    if customer is not None and customer.company_id != event.company_id:
        raise PermissionDenied
    # Each notice is one car's (its navi, its reply address): the mail names that car.
    sample_car = {"car_name": car.car_name, "plate": car.plate_display} if car else {}
    mail = event_mail_render(
        context={**event_notice_context(event), **sample_car},
        customer_name=customer.name if customer else _("(customer name)"),
        opt_out_url=marketing_opt_out_url(customer) if customer else marketing_opt_out_url(0),
        language=customer.language if customer else "ja",
    )
    return EventPreview(mail=mail, audience=audience)


def _insert_notices(event: DealerEvent, on: dt.date) -> int:
    """INSERT … SELECT over the audience query, ON CONFLICT (dedupe_key) DO NOTHING."""
    audience_sql, params = event_audience_sql(event, on=on)
    sql = f"""
        INSERT INTO {NOTICE_TABLE} ({NOTICE_COLUMNS}, reply_token)
        SELECT a.company_id, a.vehicle_id, a.customer_id, %(kind)s, %(stage)s, %(category)s, %(starts_on)s, %(on)s,
               %(event_id)s, 'event:' || %(event_id)s::text || ':' || a.vehicle_id::text, a.language,
               %(context)s::jsonb || jsonb_build_object(
                   'consent_record_id', a.consent_record_id, 'car_name', a.car_name, 'plate', a.plate,
                   'store_name', a.store_name, 'store_phone', a.store_phone, 'company_name', a.company_name),
               {REPLY_TOKEN_SQL}
        FROM ({audience_sql}) a
        ON CONFLICT (dedupe_key) DO NOTHING
    """  # noqa: S608 - table and audience SQL are ours; values are parameters
    params = {
        **params, "kind": NoticeKind.EVENT.value, "stage": EVENT_STAGE,
        "context": json.dumps(event_notice_context(event), ensure_ascii=False),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def event_send(*, event_id: int, now: dt.datetime | None = None) -> int | None:
    """Send a due scheduled event; returns the number of notices created, None if the event
    was not claimed (not scheduled, not due, or being sent by another worker).

    1. Claim the event row (scheduled, send_at passed) with SKIP LOCKED: one sender at a time.
    2. Evaluate the audience now (consent as of this moment) and insert notices set-based.
    3. Hand the new notices to the outbox; mark the event sent; audit. All in one transaction.
    """
    now = now or timezone.now()
    with transaction.atomic():
        event = (
            DealerEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("company")
            .filter(pk=event_id, status=DealerEventStatus.SCHEDULED, send_at__lte=now)
            .first()
        )
        if event is None:
            return None
        on = timezone.localdate(now)
        created = _insert_notices(event, on)
        deliveries_create(send_after=on - dt.timedelta(days=1), send_on=on, kind=NoticeKind.EVENT, source_id=event.pk)
        inbox_deliver_due(now=timezone.now())
        event.status, event.sent_at, event.recipient_count = DealerEventStatus.SENT, now, created
        event.save(update_fields=["status", "sent_at", "recipient_count", "updated_at"])
        audit_record(action="event.sent", target=event, actor=None, company=event.company_id, notices=created)
        # The e-mail copies go through the outbox like every other notice's; its every-minute scan catches up.
        task_queue_on_commit("notifications.tasks.send_due_deliveries")
    return created



def due_events_send(*, now: dt.datetime | None = None) -> list[int]:
    """The scan beat runs: send every scheduled event whose time has come, each in its own
    transaction. Returns the ids sent by this call."""
    now = now or timezone.now()
    due = DealerEvent.objects.filter(status=DealerEventStatus.SCHEDULED, send_at__lte=now).order_by("send_at")
    return [event_id for event_id in due.values_list("id", flat=True) if event_send(event_id=event_id, now=now) is not None]
