"""Read side of appointments: free capacity per slot, alternatives, the staff's lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from dealers.models import Store, User
from dealers.selectors.access import staff_scope
from dealers.selectors.calendar import BUSINESS_TZ, StoreCalendar
from vehicles.models import Appointment, AppointmentState, SlotBooking, Vehicle
from vehicles.models.appointments import COVERING_STATES, OPEN_STATES
from vehicles.parsing.preferences import part_of
from vehicles.selectors.capacity import ALTERNATIVES_HORIZON_DAYS, BOOKING_LEAD, day_slots, offered_between


@dataclass(frozen=True, slots=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


def booked_counts(store: Store, first: dt.datetime, last: dt.datetime) -> dict[dt.datetime, int]:
    """Held bays per slot start in [first, last] (one query)."""
    rows = (
        SlotBooking.objects.filter(store=store, slot_start__gte=first, slot_start__lte=last)
        .values("slot_start")
        .annotate(n=Count("id"))
    )
    return {row["slot_start"]: row["n"] for row in rows}


def slots_available(
    store: Store, day: dt.date, *, now: dt.datetime | None = None, calendar: StoreCalendar | None = None,
    include_past: bool = False,
) -> list[Slot]:
    """The store's slots on `day` with capacity and bookings; none on a closed day. Slots that
    start before now + the booking lead are left out unless `include_past` (staff day view)."""
    calendar = calendar or StoreCalendar.for_store(store)
    starts = day_slots(day, calendar.hours_on(day), store.slot_minutes)
    if not include_past:
        earliest = (now or timezone.now()) + BOOKING_LEAD
        starts = [s for s in starts if s >= earliest]
    if not starts:
        return []
    counts = booked_counts(store, starts[0], starts[-1])
    length = dt.timedelta(minutes=store.slot_minutes)
    return [Slot(s, s + length, store.service_bays, counts.get(s, 0)) for s in starts]


def alternatives(
    store: Store, after: dt.datetime, n: int = 3, *, calendar: StoreCalendar | None = None,
    now: dt.datetime | None = None,
) -> list[dt.datetime]:
    """Up to `n` free slots from `after` on, spread out: the first free slot of each part of day
    (morning / afternoon / evening) of each open day, in time order. Two queries at most."""
    if n <= 0 or store.service_bays <= 0:
        return []
    calendar = calendar or StoreCalendar.for_store(store)
    after = max(after, (now or timezone.now()) + BOOKING_LEAD)
    first_day = after.astimezone(BUSINESS_TZ).date()
    last_day = first_day + dt.timedelta(days=ALTERNATIVES_HORIZON_DAYS)
    starts = [s for s in offered_between(calendar, store.slot_minutes, first_day, last_day) if s >= after]
    if not starts:
        return []
    counts = booked_counts(store, starts[0], starts[-1])
    picked: list[dt.datetime] = []
    buckets: set[tuple[dt.date, str]] = set()
    for start in starts:
        bucket = (start.date(), part_of(start.time()).value)
        if bucket in buckets or counts.get(start, 0) >= store.service_bays:
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


def open_twins(appointments: list[Appointment]) -> dict[int, Appointment]:
    """For each open appointment listed, another open appointment of the same car for the same
    purpose (issue 16: two 確定待ち bookings of one car were never pointed out), the earliest
    one; one query. The purpose is the due event's kind (blank: a visit for anything else)."""
    wanted = [a for a in appointments if a.state in OPEN_STATES]
    if not wanted:
        return {}
    others = (
        Appointment.objects.filter(vehicle_id__in={a.vehicle_id for a in wanted}, state__in=OPEN_STATES)
        .select_related("store")
        .order_by("starts_at", "id")
    )
    by_car: dict[tuple[int, str], list[Appointment]] = {}
    for other in others:
        by_car.setdefault((other.vehicle_id, other.due_kind), []).append(other)
    found = {}
    for appointment in wanted:
        twins = [o for o in by_car.get((appointment.vehicle_id, appointment.due_kind), []) if o.pk != appointment.pk]
        if twins:
            found[appointment.pk] = twins[0]
    return found


def appointment_open_for_purpose(*, vehicle: Vehicle, due_kind: str) -> Appointment | None:
    """The car's earliest open appointment for this purpose (see open_twins), or None."""
    return (
        Appointment.objects.filter(vehicle=vehicle, due_kind=due_kind, state__in=OPEN_STATES)
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
