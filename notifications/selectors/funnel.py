"""Results: the funnel per notice kind and store — sent → delivered → read → replied → booked →
visited. Counted per company, store, kind and send date by funnel_aggregate into FunnelDay
rows (notifications.services.funnel); the page sums those.

Definitions (per notice whose send date is in the period):
- sent: not cancelled or suppressed (handed to its channels);
- delivered / read: at least one channel delivered (or read) / read;
- replied: the owner replied to it (any channel);
- booked: an appointment was made from it and not cancelled;
- visited: that appointment reached "arrived" or "completed";
- bounced: its e-mail copy came back (a hard or soft bounce, notifications.services.bounces).
The store is the car's remote-maintenance store when the day rows were last counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from dealers.models import User
from dealers.selectors.access import staff_scope
from notifications.models import (
    Delivery,
    DeliveryStatus,
    FunnelDay,
    MailBounce,
    Notice,
    NoticeKind,
    NoticeStatus,
    Reply,
)
from vehicles.models import Appointment, AppointmentState

# Literal so that row[step] type-checks on the .values() rows below.
Step = Literal["sent", "delivered", "read", "replied", "booked", "visited", "bounced"]
STEPS: tuple[Step, ...] = ("sent", "delivered", "read", "replied", "booked", "visited", "bounced")
STEP_LABELS = {
    "sent": _("Sent"),
    "delivered": _("Delivered"),
    "read": _("Read"),
    "replied": _("Replied"),
    "booked": _("Booked"),
    "visited": _("Visited"),
    "bounced": _("E-mail bounced"),
}
FUNNEL_KINDS = (
    NoticeKind.SHAKEN, NoticeKind.PERIODIC, NoticeKind.MAINTENANCE, NoticeKind.RECALL, NoticeKind.EVENT, NoticeKind.WARNING,
)


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
    bounced: int = 0
    refreshed_at: dt.datetime | None = None

    def steps(self) -> list[tuple[str, str, int]]:
        """(step, label, count) in funnel order."""
        return [(step, str(STEP_LABELS[step]), getattr(self, step)) for step in STEPS]


def funnel_aggregate(notices: QuerySet[Notice], *group_by: str) -> QuerySet:
    """The funnel counts of `notices` grouped by `group_by` (the definitions above, once):
    each step an EXISTS per notice, counted with FILTER. Columns: the groups, then STEPS."""
    appointments = Appointment.objects.filter(notice_id=OuterRef("pk")).exclude(state=AppointmentState.CANCELLED)
    return (
        notices.exclude(status__in=[NoticeStatus.CANCELLED, NoticeStatus.SUPPRESSED])
        .alias(
            is_delivered=Exists(Delivery.objects.filter(notice=OuterRef("pk"), status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.READ])),
            is_read=Exists(Delivery.objects.filter(notice=OuterRef("pk"), status=DeliveryStatus.READ)),
            is_replied=Exists(Reply.objects.filter(notice=OuterRef("pk"))),
            is_booked=Exists(appointments),
            is_visited=Exists(appointments.filter(state__in=[AppointmentState.ARRIVED, AppointmentState.COMPLETED])),
            is_bounced=Exists(MailBounce.objects.filter(delivery__notice=OuterRef("pk"))),
        )
        .values(*group_by)
        .annotate(
            sent=Count("id"),
            delivered=Count("id", filter=Q(is_delivered=True)),
            read=Count("id", filter=Q(is_read=True)),
            replied=Count("id", filter=Q(is_replied=True)),
            booked=Count("id", filter=Q(is_booked=True)),
            visited=Count("id", filter=Q(is_visited=True)),
            bounced=Count("id", filter=Q(is_bounced=True)),
        )
        .order_by()
    )


def notice_funnel(
    user: User, *, date_from: dt.date, date_to: dt.date, kind: str | None = None, store_id: int | None = None
) -> list[FunnelRow]:
    """Funnel rows of the user's scope, by kind then store name: one query over the refreshed
    day rows (notifications.services.funnel), whatever the period."""
    scope = staff_scope(user)
    if scope.warnings_only:
        return []
    days = FunnelDay.objects.filter(
        company_id__in=scope.company_ids, kind__in=FUNNEL_KINDS, send_on__gte=date_from, send_on__lte=date_to
    )
    if scope.store_id is not None:
        days = days.filter(store_id=scope.store_id)
    if store_id is not None:
        days = days.filter(store_id=store_id)
    if kind:
        days = days.filter(kind=kind)
    # Any rows: the plugin loses the keys of annotate(**{step: …}).
    rows: Iterable[Mapping[str, Any]] = (
        days.values("kind", "store_id", "store__name")
        .annotate(refreshed_at=Min("refreshed_at"), **{step: Sum(step) for step in STEPS})
        .order_by("kind", "store__name", "store_id")
    )
    labels = dict(NoticeKind.choices)
    return [
        FunnelRow(
            kind=row["kind"], kind_label=str(labels.get(row["kind"], row["kind"])),
            store_id=row["store_id"], store_name=row["store__name"] or "",
            refreshed_at=row["refreshed_at"], **{step: row[step] for step in STEPS},
        )
        for row in rows
    ]


def funnel_refreshed_at(rows: list[FunnelRow]) -> dt.datetime | None:
    """When the oldest of the figures shown was counted (None: nothing shown)."""
    return min((row.refreshed_at for row in rows if row.refreshed_at is not None), default=None)


def funnel_totals(rows: list[FunnelRow]) -> list[FunnelRow]:
    """One row per kind summing its stores (store_id None), in the order of the rows."""
    totals: dict[str, dict] = {}
    for row in rows:
        acc = totals.setdefault(row.kind, {"kind": row.kind, "kind_label": row.kind_label, **dict.fromkeys(STEPS, 0)})
        for step in STEPS:
            acc[step] += getattr(row, step)
    return [FunnelRow(store_id=None, store_name="", refreshed_at=funnel_refreshed_at([r for r in rows if r.kind == kind]), **acc)
            for kind, acc in totals.items()]
