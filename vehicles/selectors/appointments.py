"""Read side of appointments: free capacity per slot, alternatives, the staff's lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dealers.models import Store, User
from dealers.selectors.access import staff_scope
from dealers.selectors.calendar import BUSINESS_TZ, StoreCalendar, business_date
from vehicles.models import Appointment, AppointmentState, BayHold, DayHold, Occupies, Vehicle, WorkQuota, WorkType
from vehicles.models.appointments import COVERING_STATES, OPEN_STATES
from vehicles.parsing.preferences import part_of
from vehicles.selectors.capacity import ALTERNATIVES_HORIZON_DAYS, BOOKING_LEAD, day_slots, offered_between, open_window
from vehicles.selectors.recalls import recall_labour_minutes


@dataclass(frozen=True, slots=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked: int  # bays busy at some moment of [start, end)

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


@dataclass(frozen=True, slots=True)
class Work:
    """What one booking needs: `minutes` of a bay, or a place for the day; and a seat of a daily
    quota (`quota_pool`, `quota`) when the store caps this work type."""

    minutes: int
    occupies: str = Occupies.BAY
    work_type_id: int | None = None
    quota_pool: str | None = None
    quota: int = 0

    @property
    def length(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.minutes)


DAY_POOL = "day"


def quota_pool(work_type_id: int) -> str:
    return f"quota:{work_type_id}"


def work_for(store: Store, work_type: WorkType | None, *, minutes: int | None = None) -> Work:
    """The needs of a booking of `work_type` at `store` (one query when it is a type, none
    otherwise); no type books one slot of bay time, as bookings did before work types.
    `minutes` overrides the type's duration (a recall campaign's labour time)."""
    if work_type is None:
        return Work(minutes=minutes or store.slot_minutes)
    quota = WorkQuota.objects.filter(store=store, work_type=work_type).values_list("per_day", flat=True).first()
    return Work(
        minutes=minutes or work_type.minutes, occupies=work_type.occupies, work_type_id=work_type.pk,
        quota_pool=quota_pool(work_type.pk) if quota is not None else None, quota=quota or 0,
    )


def work_for_due(store: Store, work_type: WorkType | None, *, vehicle_id: int, due_kind: str,
                 due_event_date: dt.date | None) -> Work:
    """work_for the booking of a due event: recall work for a campaign whose file gave a labour
    time holds that time (issue 14 §1), other work its type's duration."""
    minutes = None
    if due_kind == "recall" and due_event_date is not None:
        minutes = recall_labour_minutes(vehicle_id=vehicle_id, became_target_on=due_event_date)
    return work_for(store, work_type, minutes=minutes)


class Held:
    """The bay time and day seats held at a store over a period (two queries), answering "does
    this work fit at this start?" in memory. Holds are read as committed; the database has the
    last word when the hold is inserted (vehicles.services.appointments)."""

    def __init__(self, store: Store, first: dt.datetime, last: dt.datetime):
        self.store, self.first, self.last = store, first, last
        rows = BayHold.objects.filter(store=store, during__overlap=DateTimeTZRange(first, last)).values_list("bay", "during")
        self.bays = [(bay, during.lower, during.upper) for bay, during in rows]

    @cached_property
    def seats(self) -> dict[tuple[dt.date, str], int]:
        """Seats taken per (day, pool); read only when a question needs them."""
        counts = (
            DayHold.objects.filter(store=self.store, day__gte=business_date(self.first), day__lte=business_date(self.last))
            .values("day", "pool").annotate(n=Count("id")).order_by()
        )
        return {(row["day"], row["pool"]): row["n"] for row in counts}

    def busy(self, start: dt.datetime, end: dt.datetime) -> int:
        return len({bay for bay, lower, upper in self.bays if lower < end and start < upper})

    def day_taken(self, day: dt.date, pool: str) -> int:
        return self.seats.get((day, pool), 0)

    def fits(self, start: dt.datetime, work: Work) -> bool:
        day = business_date(start)
        if work.occupies == Occupies.BAY and self.busy(start, start + work.length) >= self.store.service_bays:
            return False
        if work.quota_pool is not None and self.day_taken(day, work.quota_pool) >= work.quota:
            return False
        if work.occupies == Occupies.DAY:
            return self.day_taken(day, DAY_POOL) < self.store.day_places
        return True


def day_ends(calendar: StoreCalendar, start: dt.datetime) -> dt.datetime:
    """Closing time of the start's day: a car left for the day is there until then."""
    day = business_date(start)
    hours = calendar.hours_on(day)
    return open_window(day, hours)[1] if hours is not None else start + dt.timedelta(hours=8)


def slots_available(
    store: Store, day: dt.date, *, now: dt.datetime | None = None, calendar: StoreCalendar | None = None,
    include_past: bool = False,
) -> list[Slot]:
    """The store's slots on `day` with its bays and how many are busy in each; none on a closed
    day. Slots that start before now + the booking lead are left out unless `include_past`
    (staff day view)."""
    calendar = calendar or StoreCalendar.for_store(store)
    starts = day_slots(day, calendar.hours_on(day), store.slot_minutes)
    if not include_past:
        earliest = (now or timezone.now()) + BOOKING_LEAD
        starts = [s for s in starts if s >= earliest]
    if not starts:
        return []
    length = dt.timedelta(minutes=store.slot_minutes)
    held = Held(store, starts[0], starts[-1] + length)
    return [Slot(s, s + length, store.service_bays, held.busy(s, s + length)) for s in starts]


def alternatives(
    store: Store, after: dt.datetime, n: int = 3, *, calendar: StoreCalendar | None = None,
    now: dt.datetime | None = None, work: Work | None = None,
) -> list[dt.datetime]:
    """Up to `n` starts from `after` on where the work fits (its whole duration, issue 14),
    spread out: the first of each part of day (morning / afternoon / evening) of each open day,
    in time order. Two or three queries."""
    work = work or Work(minutes=store.slot_minutes)
    if n <= 0 or (store.service_bays <= 0 and work.occupies == Occupies.BAY):
        return []
    calendar = calendar or StoreCalendar.for_store(store)
    after = max(after, (now or timezone.now()) + BOOKING_LEAD)
    first_day = after.astimezone(BUSINESS_TZ).date()
    last_day = first_day + dt.timedelta(days=ALTERNATIVES_HORIZON_DAYS)
    minutes = work.minutes if work.occupies == Occupies.BAY else store.slot_minutes
    starts = [s for s in offered_between(calendar, store.slot_minutes, first_day, last_day, minutes) if s >= after]
    if not starts:
        return []
    held = Held(store, starts[0], starts[-1] + work.length)
    picked: list[dt.datetime] = []
    buckets: set[tuple[dt.date, str]] = set()
    for start in starts:
        bucket = (start.date(), part_of(start.time()).value)
        if bucket in buckets or not held.fits(start, work):
            continue
        buckets.add(bucket)
        picked.append(start)
        if len(picked) == n:
            break
    return picked


def appointment_open_for_due(*, vehicle: Vehicle, due_kind: str, due_event_date: dt.date | None) -> Appointment | None:
    """The car's requested or confirmed appointment for a due event (at most one)."""
    if not due_kind or due_event_date is None:
        return None
    return (
        Appointment.objects.filter(vehicle=vehicle, due_kind=due_kind, due_event_date=due_event_date, state__in=OPEN_STATES)
        .select_related("store")
        .first()
    )


def purpose(appointment: Appointment) -> tuple[str, object]:
    """What a visit is for: its work type; before work types, its due event's kind."""
    if appointment.work_type_id is not None:
        return ("work", appointment.work_type_id)
    return ("due", appointment.due_kind)


def open_twins(appointments: list[Appointment]) -> dict[int, Appointment]:
    """For each open appointment listed, another open appointment of the same car for the same
    purpose (issue 16: two 確定待ち bookings of one car were never pointed out), the earliest
    one; one query."""
    wanted = [a for a in appointments if a.state in OPEN_STATES]
    if not wanted:
        return {}
    others = (
        Appointment.objects.filter(vehicle_id__in={a.vehicle_id for a in wanted}, state__in=OPEN_STATES)
        .select_related("store")
        .order_by("starts_at", "id")
    )
    by_car: dict[tuple[int, tuple[str, object]], list[Appointment]] = {}
    for other in others:
        by_car.setdefault((other.vehicle_id, purpose(other)), []).append(other)
    found = {}
    for appointment in wanted:
        twins = [o for o in by_car.get((appointment.vehicle_id, purpose(appointment)), []) if o.pk != appointment.pk]
        if twins:
            found[appointment.pk] = twins[0]
    return found


def appointment_open_for_purpose(*, vehicle: Vehicle, work_type: WorkType | None, due_kind: str = "") -> Appointment | None:
    """The car's earliest open appointment for this purpose (see purpose), or None."""
    same = Q(work_type=work_type) if work_type is not None else Q(work_type__isnull=True, due_kind=due_kind)
    return (
        Appointment.objects.filter(same, vehicle=vehicle, state__in=OPEN_STATES)
        .select_related("store")
        .order_by("starts_at", "id")
        .first()
    )


def appointment_covers_sql(*, vehicle_sql: str, kind_sql: str, event_date_sql: str) -> str:
    """SQL truth value for set-based scans: a confirmed (or later) appointment covers the due
    event. E.g. the daily run: `appointment_covers_sql(vehicle_sql="v.id", kind_sql="'shaken'",
    event_date_sql="v.shaken_expiry")`. Uses the partial index appointment_covering_idx."""
    # SQL fragments from code, never input.
    states = ", ".join(f"'{state.value}'" for state in COVERING_STATES)
    table = Appointment._meta.db_table
    where = f"ap.vehicle_id = {vehicle_sql} AND ap.due_kind = {kind_sql} AND ap.due_event_date = {event_date_sql}"
    return f"EXISTS (SELECT 1 FROM {table} ap WHERE {where} AND ap.state IN ({states}))"  # noqa: S608


def appointments_for_staff(user: User) -> QuerySet[Appointment]:
    """Appointments in the caller's scope (company, or the store for store staff); call-center
    agents handle warnings only and see none."""
    scope = staff_scope(user)
    if scope.warnings_only:
        return Appointment.objects.none()
    return Appointment.objects.filter(store__in=Store.objects.filter(scope.store_q()))


def appointment_get_for_staff(user: User, pk: int | str) -> Appointment:
    try:
        return appointments_for_staff(user).select_related("store", "vehicle", "customer").get(pk=pk)
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# What the front desk may do with an appointment, by name (the portal's action routes). The
# services enforce the same rules; the pages offer only these (issue 16: never a button that
# is refused after the click).
CONFIRM, PROPOSE, ARRIVED, COMPLETED, NO_SHOW, CANCEL = "confirm", "propose", "arrived", "completed", "no_show", "cancel"


def no_show_due(appointment: Appointment, now: dt.datetime) -> bool:
    """A visit is a no-show only once its time has come."""
    return now >= appointment.starts_at


def appointment_actions(appointment: Appointment, *, now: dt.datetime | None = None) -> frozenset[str]:
    """The actions allowed on the appointment now: confirm and propose while requested; arrived
    and cancel while open; no-show while open and its time has come; completed once arrived."""
    now = now or timezone.now()
    state = appointment.state
    allowed: set[str] = set()
    if state == AppointmentState.REQUESTED:
        allowed |= {CONFIRM, PROPOSE}
    if state in OPEN_STATES:
        allowed |= {ARRIVED, CANCEL}
        if no_show_due(appointment, now):
            allowed.add(NO_SHOW)
    if state == AppointmentState.ARRIVED:
        allowed.add(COMPLETED)
    return frozenset(allowed)
