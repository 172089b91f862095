"""The Today page's data: what the front desk must do now, for the caller's scope.

Every section is one query whatever the amount of data, two when its list is full (lists are
capped; the total of a full list is a separate count), so the page costs the same on a quiet day
and a busy one.
Call-center agents see the follow-up section only (APPI purpose limitation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dealers.models import Role, Store, User
from dealers.selectors.access import StaffScope, staff_scope
from dealers.selectors.calendar import BUSINESS_TZ
from notifications.models import DealerEvent, DealerEventStatus, Inquiry, InquiryStatus, Notice, NoticeKind, Reply
from notifications.selectors.bounces import undeliverable_recently
from vehicles.models import Appointment, AppointmentState, Assignee, FollowUpStatus, Vehicle
from vehicles.selectors.followups import followups_for
from vehicles.selectors.maintenance import due_not_booked

LIST_CAP = 30
LAPSE_DAYS = 30
WEEK_DAYS = 7
NEW_REPLY_HOURS = 48
# A booking in one of these states means the shaken is taken care of.
_BOOKED_STATES = (AppointmentState.REQUESTED, AppointmentState.CONFIRMED, AppointmentState.ARRIVED, AppointmentState.COMPLETED)


@dataclass
class Capped:
    """The first rows of a list and how many there are in all."""

    items: list = field(default_factory=list)
    total: int = 0

    @classmethod
    def of(cls, qs: QuerySet) -> Capped:
        """A full list is counted apart, without its joins: a window count over the joined
        query would make PostgreSQL join every matching row (13,000 cars lapsing in a large
        company) to show thirty."""
        rows = list(qs[:LIST_CAP])
        return cls(rows, len(rows) if len(rows) < LIST_CAP else qs.count())


@dataclass
class ReminderDay:
    day: dt.date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class TodayBoard:
    today: dt.date
    now: dt.datetime
    warnings_only: bool
    followups: Capped
    appointments: list[Appointment] = field(default_factory=list)
    requested: Capped = field(default_factory=Capped)
    inquiries: Capped = field(default_factory=Capped)
    replies: Capped = field(default_factory=Capped)
    reminders: list[ReminderDay] = field(default_factory=list)
    events: list[DealerEvent] = field(default_factory=list)
    lapsing: Capped = field(default_factory=Capped)
    condition_due: Capped = field(default_factory=Capped)
    bounced: Capped = field(default_factory=Capped)  # addresses that became undeliverable lately

    def appointments_on(self, day: dt.date) -> list[Appointment]:
        return [a for a in self.appointments if a.starts_at.astimezone(BUSINESS_TZ).date() == day]

    @property
    def tomorrow(self) -> dt.date:
        return self.today + dt.timedelta(days=1)

    @property
    def appointments_today(self) -> list[Appointment]:
        return self.appointments_on(self.today)

    @property
    def appointments_tomorrow(self) -> list[Appointment]:
        return self.appointments_on(self.tomorrow)


def _stores(scope: StaffScope) -> QuerySet[Store]:
    return Store.objects.filter(scope.store_q())


def _vehicle_q(scope: StaffScope, prefix: str = "vehicle__") -> Q:
    q = Q(**{f"{prefix}company_id__in": scope.company_ids})
    if scope.store_id is not None:
        q &= Q(**{f"{prefix}store_id": scope.store_id})
    return q


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), BUSINESS_TZ)


def followups_due(user: User) -> Capped:
    """Open e-Care follow-ups the user handles (vehicles.selectors.followups scope: for an agent
    those of the desk), by due time, so the overdue come first."""
    qs = followups_for(user).filter(status=FollowUpStatus.OPEN)
    if user.role == Role.CALL_CENTER:  # an agent's day is the desk's queue
        qs = qs.filter(assignee=Assignee.DESK, desk_id=user.desk_id)
    qs = (
        qs
        .select_related("vehicle", "vehicle__customer", "warning", "store", "desk")
        .order_by("due_at", "id")
    )
    return Capped.of(qs)


def _appointments(scope: StaffScope, today: dt.date) -> list[Appointment]:
    return list(
        Appointment.objects.filter(store__in=_stores(scope), starts_at__gte=_midnight(today),
                                   starts_at__lt=_midnight(today + dt.timedelta(days=2)))
        .exclude(state=AppointmentState.CANCELLED)
        .select_related("vehicle", "customer", "store")
        .order_by("starts_at", "id")[:200]
    )


def _reminders(scope: StaffScope, today: dt.date) -> list[ReminderDay]:
    # The notice's own company: no join with the cars for a company admin (a week of a large
    # company's notices: 38 ms through the cars, a few through the notices' own index).
    in_scope = Q(company_id__in=scope.company_ids)
    if scope.store_id is not None:
        in_scope &= Q(vehicle__store_id=scope.store_id)
    rows = (
        Notice.objects.filter(in_scope, send_on__gte=today, send_on__lt=today + dt.timedelta(days=WEEK_DAYS))
        .exclude(kind__in=[NoticeKind.APPOINTMENT, NoticeKind.INQUIRY_ANSWER])
        .values("send_on", "kind")
        .annotate(n=Count("id"))
        .order_by("send_on", "kind")
    )
    days: dict[dt.date, ReminderDay] = {}
    for row in rows:
        days.setdefault(row["send_on"], ReminderDay(row["send_on"], {})).counts[row["kind"]] = row["n"]
    return list(days.values())


def _lapsing(scope: StaffScope, today: dt.date) -> Capped:
    booked = Appointment.objects.filter(
        vehicle=OuterRef("pk"), due_kind=NoticeKind.SHAKEN, due_event_date=OuterRef("shaken_expiry"), state__in=_BOOKED_STATES
    )
    qs = (
        Vehicle.objects.filter(_vehicle_q(scope, prefix=""), shaken_expiry__gte=today,
                               shaken_expiry__lte=today + dt.timedelta(days=LAPSE_DAYS))
        .exclude(Exists(booked))
        .select_related("customer", "store")
        .order_by("shaken_expiry", "id")
    )
    return Capped.of(qs)


def _condition_due(scope: StaffScope, today: dt.date) -> Capped:
    """Cars with a maintenance item due within 30 days (oil, battery… by condition) and no visit
    booked (vehicles.selectors.maintenance.due_not_booked)."""
    cars = Vehicle.objects.filter(_vehicle_q(scope, prefix=""))
    return Capped.of(due_not_booked(cars, today=today).select_related("customer", "store"))


def today_board(user: User, *, now: dt.datetime | None = None) -> TodayBoard:
    """Everything on the Today page (one query per section)."""
    now = now or timezone.now()
    today = now.astimezone(BUSINESS_TZ).date()
    scope = staff_scope(user)
    board = TodayBoard(today=today, now=now, warnings_only=scope.warnings_only, followups=followups_due(user))
    if scope.warnings_only:
        return board
    stores = _stores(scope)
    board.appointments = _appointments(scope, today)
    board.requested = Capped.of(
        Appointment.objects.filter(store__in=stores, state=AppointmentState.REQUESTED, starts_at__gte=now)
        .select_related("vehicle", "customer", "store").order_by("starts_at", "id")
    )
    board.inquiries = Capped.of(
        Inquiry.objects.filter(store__in=stores, status=InquiryStatus.OPEN)
        .select_related("vehicle", "customer", "store").order_by("due_at", "id")
    )
    board.replies = Capped.of(
        Reply.objects.filter(_vehicle_q(scope), received_at__gte=now - dt.timedelta(hours=NEW_REPLY_HOURS))
        .select_related("vehicle", "vehicle__customer").order_by("-received_at", "-id")
    )
    board.reminders = _reminders(scope, today)
    board.events = list(
        DealerEvent.objects.filter(company_id__in=scope.company_ids, status=DealerEventStatus.SCHEDULED,
                                   send_at__lt=_midnight(today + dt.timedelta(days=WEEK_DAYS)))
        .order_by("send_at")[:LIST_CAP]
    )
    board.lapsing = _lapsing(scope, today)
    board.condition_due = _condition_due(scope, today)
    board.bounced = Capped.of(undeliverable_recently(scope, now=now))
    return board
