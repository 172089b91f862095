"""Read side of the event mail pages: how each sent event did (one aggregate query)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from notifications.models import Delivery, DeliveryStatus, Notice, NoticeKind
from vehicles.models import ConsentCategory, CustomerConsent

_REACHED = (DeliveryStatus.DELIVERED, DeliveryStatus.READ)


@dataclass(frozen=True)
class EventResult:
    notices: int = 0
    delivered: int = 0
    read: int = 0
    emailed: int = 0
    opted_out: int = 0  # recipients whose marketing consent is refused since the mail


def event_results(event_ids: Iterable[int]) -> dict[int, EventResult]:
    """Per event id: notices, reached on any channel, read, e-mailed, opted out since."""
    ids = list(event_ids)
    if not ids:
        return {}
    delivered = Delivery.objects.filter(notice=OuterRef("pk"), status__in=_REACHED)
    rows = (
        Notice.objects.filter(kind=NoticeKind.EVENT, source_id__in=ids)
        .alias(
            was_delivered=Exists(delivered),
            was_read=Exists(Delivery.objects.filter(notice=OuterRef("pk"), status=DeliveryStatus.READ)),
            was_emailed=Exists(delivered.filter(channel="email")),
            opted_out=Exists(
                CustomerConsent.objects.filter(
                    customer=OuterRef("customer_id"), category=ConsentCategory.MARKETING, granted=False,
                    updated_at__gte=OuterRef("created_at"),
                )
            ),
        )
        .values("source_id")
        .annotate(
            n=Count("id"),
            n_delivered=Count("id", filter=Q(was_delivered=True)),
            n_read=Count("id", filter=Q(was_read=True)),
            n_emailed=Count("id", filter=Q(was_emailed=True)),
            n_opted_out=Count("id", filter=Q(opted_out=True)),
        )
        .order_by()
    )
    return {
        row["source_id"]: EventResult(row["n"], row["n_delivered"], row["n_read"], row["n_emailed"], row["n_opted_out"])
        for row in rows
        if row["source_id"] is not None  # always: filtered on source_id__in
    }
