"""Results: the funnel per notice kind and store — sent → delivered → read → replied → booked →
visited — in one aggregate query (each step an EXISTS per notice, counted with FILTER).

Definitions (per notice whose send date is in the period):
- sent: not cancelled or suppressed (handed to its channels);
- delivered / read: at least one channel delivered (or read) / read;
- replied: the owner replied to it (any channel);
- booked: an appointment was made from it and not cancelled;
- visited: that appointment reached "arrived" or "completed".
The store is the car's current remote-maintenance store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from dealers.access import staff_scope
from dealers.models import User
from notifications.models import Delivery, DeliveryStatus, Notice, NoticeKind, NoticeStatus, Reply
from vehicles.models import Appointment, AppointmentState

# Literal so that row[step] type-checks on the .values() rows below.
Step = Literal["sent", "delivered", "read", "replied", "booked", "visited"]
STEPS: tuple[Step, ...] = ("sent", "delivered", "read", "replied", "booked", "visited")
STEP_LABELS = {
    "sent": _("Sent"),
    "delivered": _("Delivered"),
    "read": _("Read"),
    "replied": _("Replied"),
    "booked": _("Booked"),
    "visited": _("Visited"),
}
FUNNEL_KINDS = (NoticeKind.SHAKEN, NoticeKind.PERIODIC, NoticeKind.RECALL, NoticeKind.EVENT, NoticeKind.WARNING)


@dataclass(frozen=True)
class FunnelRow:
    kind: str
    kind_label: str
    store_id: int | None
    store_name: str
    sent: int
    delivered: int
    read: int
    replied: int
    booked: int
    visited: int

    def steps(self) -> list[tuple[str, str, int]]:
        """(step, label, count) in funnel order."""
        return [(step, str(STEP_LABELS[step]), getattr(self, step)) for step in STEPS]


def notice_funnel(
    user: User, *, date_from: dt.date, date_to: dt.date, kind: str | None = None, store_id: int | None = None
) -> list[FunnelRow]:
    """Funnel rows of the user's scope, by kind then store name (one query)."""
    scope = staff_scope(user)
    if scope.warnings_only:
        return []
    notices = Notice.objects.filter(
        company_id__in=scope.company_ids, kind__in=FUNNEL_KINDS, send_on__gte=date_from, send_on__lte=date_to
    ).exclude(status__in=[NoticeStatus.CANCELLED, NoticeStatus.SUPPRESSED])
    if scope.store_id is not None:
        notices = notices.filter(vehicle__store_id=scope.store_id)
    if store_id is not None:
        notices = notices.filter(vehicle__store_id=store_id)
    if kind:
        notices = notices.filter(kind=kind)
    appointments = Appointment.objects.filter(notice_id=OuterRef("pk")).exclude(state=AppointmentState.CANCELLED)
    rows = (
        notices.alias(
            is_delivered=Exists(Delivery.objects.filter(notice=OuterRef("pk"), status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.READ])),
            is_read=Exists(Delivery.objects.filter(notice=OuterRef("pk"), status=DeliveryStatus.READ)),
            is_replied=Exists(Reply.objects.filter(notice=OuterRef("pk"))),
            is_booked=Exists(appointments),
            is_visited=Exists(appointments.filter(state__in=[AppointmentState.ARRIVED, AppointmentState.COMPLETED])),
        )
        .values("kind", "vehicle__store_id", "vehicle__store__name")
        .annotate(
            sent=Count("id"),
            delivered=Count("id", filter=Q(is_delivered=True)),
            read=Count("id", filter=Q(is_read=True)),
            replied=Count("id", filter=Q(is_replied=True)),
            booked=Count("id", filter=Q(is_booked=True)),
            visited=Count("id", filter=Q(is_visited=True)),
        )
        .order_by("kind", "vehicle__store__name", "vehicle__store_id")
    )
    labels = dict(NoticeKind.choices)
    return [
        FunnelRow(
            kind=row["kind"], kind_label=str(labels.get(row["kind"], row["kind"])),
            store_id=row["vehicle__store_id"], store_name=row["vehicle__store__name"] or "",
            **{step: row[step] for step in STEPS},
        )
        for row in rows
    ]


def funnel_totals(rows: list[FunnelRow]) -> list[FunnelRow]:
    """One row per kind summing its stores (store_id None), in the order of the rows."""
    totals: dict[str, dict] = {}
    for row in rows:
        acc = totals.setdefault(row.kind, {"kind": row.kind, "kind_label": row.kind_label, **dict.fromkeys(STEPS, 0)})
        for step in STEPS:
            acc[step] += getattr(row, step)
    return [FunnelRow(store_id=None, store_name="", **acc) for acc in totals.values()]
