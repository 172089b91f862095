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
