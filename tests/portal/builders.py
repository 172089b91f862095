"""Builders for portal tests: recall targets, notices with deliveries, replies, inquiries."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from notifications.models import Channel, Delivery, DeliveryStatus, Notice
from vehicles.models import RecallCampaign, RecallTarget

_seq = itertools.count(1)


def campaign(**fields) -> RecallCampaign:
    n = next(_seq)
    defaults = {
        "notification_number": f"外-{4000 + n}", "kind": "recall", "title": f"燃料ポンプの不具合{n}",
        "defect": "エンジンが停止するおそれ", "remedy": "燃料ポンプを交換する", "published_on": dt.date(2026, 3, 1),
    }
    return RecallCampaign.objects.create(**{**defaults, **fields})


def recall_target(vehicle, *, campaign_=None, **fields) -> RecallTarget:
    return RecallTarget.objects.create(
        campaign=campaign_ or campaign(), chassis_number=vehicle.chassis_number, vehicle=vehicle,
        became_target_on=dt.date(2026, 3, 1), **fields,
    )


def notice(vehicle, *, kind="shaken", stage="m3", send_on=None, status="sent", deliveries=None, **fields) -> Notice:
    """A notice about the car with deliveries {channel: status} (default: app delivered)."""
    send_on = send_on or timezone.localdate()
    n = Notice.objects.create(
        company_id=vehicle.company_id, vehicle=vehicle, customer=vehicle.customer, kind=kind, stage=stage,
        category="reminders" if kind in ("shaken", "periodic") else ("marketing" if kind == "event" else "safety"),
        event_date=vehicle.shaken_expiry or send_on, send_on=send_on, status=status,
        dedupe_key=f"test:{kind}:{vehicle.pk}:{next(_seq)}", **fields,
    )
    now = timezone.now()
    for channel, state in (deliveries if deliveries is not None else {Channel.APP: DeliveryStatus.DELIVERED}).items():
        Delivery.objects.create(
            notice=n, channel=channel, status=state,
            delivered_at=now if state in (DeliveryStatus.DELIVERED, DeliveryStatus.READ) else None,
            read_at=now if state == DeliveryStatus.READ else None,
        )
    return n


def reply(notice_, *, intent="book", text="来週の火曜 10時でお願いします", outcome="requested", channel="app"):
    from notifications.models import Reply

    return Reply.objects.create(
        company_id=notice_.company_id, notice=notice_, vehicle=notice_.vehicle, channel=channel, intent=intent,
        text=text, message_id=f"test-{next(_seq)}", status="processed", outcome=outcome, received_at=timezone.now(),
    )


def inquiry(vehicle, *, store=None, question="オイル交換の料金は？", due_at=None, notice_=None, status="open"):
    from notifications.models import Inquiry

    return Inquiry.objects.create(
        company_id=vehicle.company_id, store=store or vehicle.store, vehicle=vehicle, customer=vehicle.customer,
        notice=notice_, question=question, status=status, due_at=due_at or timezone.now() + dt.timedelta(hours=4),
    )


def appointment(vehicle, *, starts_at, state="confirmed", store=None, notice_=None, due_kind="", due_event_date=None,
                hold=False, work_type=None, minutes=None):
    """An appointment row; hold=True also takes the next free bay for its time, as booking does
    (one slot long unless `minutes` or the work type's duration says otherwise)."""
    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

    from vehicles.models import Appointment, BayHold

    store = store or vehicle.store
    length = dt.timedelta(minutes=minutes or (work_type.minutes if work_type else store.slot_minutes))
    made = Appointment.objects.create(
        company_id=vehicle.company_id, store=store, vehicle=vehicle, customer=vehicle.customer, starts_at=starts_at,
        ends_at=starts_at + length, state=state, work_type=work_type,
        notice_id=notice_.pk if notice_ else None, due_kind=due_kind, due_event_date=due_event_date,
    )
    if hold:
        during = DateTimeTZRange(starts_at, starts_at + length)
        busy = set(BayHold.objects.filter(store=store, during__overlap=during).values_list("bay", flat=True))
        bay = min(b for b in range(len(busy) + 1) if b not in busy)
        BayHold.objects.create(store=store, bay=bay, during=during, appointment=made)
    return made


def followup(vehicle, *, code="lamp:charging", severity="stop_now", due_in=dt.timedelta(hours=1), store=None, desk=None):
    """An open follow-up of a new warning, assigned to the car's store (or the desk given)."""
    from vehicles.models import FollowUp, VehicleWarning

    now = timezone.now()
    warning = VehicleWarning.objects.create(vehicle=vehicle, code=code, kind="lamp" if code.startswith("lamp:") else "dtc",
                                            severity=severity, opened_at=now - dt.timedelta(minutes=30))
    assignee = "desk" if desk is not None else "store"
    return FollowUp.objects.create(
        company_id=vehicle.company_id, vehicle=vehicle, warning=warning, severity=severity, assignee=assignee,
        store=None if desk is not None else (store or vehicle.store), desk=desk, opened_at=now - dt.timedelta(minutes=30),
        available_from=now - dt.timedelta(minutes=30), due_at=now + due_in,
    )
