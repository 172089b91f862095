"""The front desk's week board and month load (issue 14 §2): bays × hours of a store's week with
its bookings, closed days and occupancy; booked hours vs capacity per day of a month.

Two queries for a week whatever its bookings (the appointments with their cars and holds; the
calendar is handed in), one for a month: the grid is arithmetic on those rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from dealers.models import Store
from dealers.selectors.calendar import BUSINESS_TZ, DayStatus, StoreCalendar
from vehicles.models import Appointment, AppointmentState, BayHold, DayHold, Occupies
from vehicles.selectors.capacity import day_slots, open_window

SHOWN_STATES = (AppointmentState.REQUESTED, AppointmentState.CONFIRMED, AppointmentState.ARRIVED, AppointmentState.COMPLETED)


@dataclass
class BayCell:
    """One bay in one slot: the booking that occupies it (starting here or continuing), or free."""

    start: dt.datetime
    bay: int
    appointment: Appointment | None = None
    starts_here: bool = False


@dataclass
class DayColumn:
    day: dt.date
    status: DayStatus
    booked_minutes: int = 0
    capacity_minutes: int = 0
    left: list[Appointment] = field(default_factory=list)  # cars left for the day
    places: int = 0

    @property
    def occupancy(self) -> float | None:
        return self.booked_minutes / self.capacity_minutes if self.capacity_minutes else None


@dataclass
class WeekBoard:
    store: Store
    monday: dt.date
    days: list[DayColumn]
    rows: list[tuple[dt.time, list[list[BayCell] | None]]]  # per time of day: per day, the bays (None: closed)


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, BUSINESS_TZ)


def board_appointments(appointments: QuerySet[Appointment], store: Store, first: dt.date, last: dt.date) -> list[Appointment]:
    """The store's bookings shown on a board from `first` to `last` with what the rows need."""
    return list(
        appointments.filter(store=store, state__in=SHOWN_STATES, starts_at__gte=_local(first, dt.time()),
                            starts_at__lt=_local(last + dt.timedelta(days=1), dt.time()))
        .select_related("vehicle", "customer", "work_type", "bay_hold")
        .prefetch_related(Prefetch("day_holds", queryset=DayHold.objects.filter(pool="day"), to_attr="left_for_day"))
        .order_by("starts_at", "id")
    )


def _bay_of(appointment: Appointment) -> int | None:
    try:
        return appointment.bay_hold.bay
    except BayHold.DoesNotExist:
        return None


def week_board(store: Store, monday: dt.date, calendar: StoreCalendar, appointments: list[Appointment]) -> WeekBoard:
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    columns = [DayColumn(day, calendar.day_status(day), places=store.day_places) for day in days]
    starts_by_day = {d: day_slots(d, calendar.hours_on(d), store.slot_minutes) for d in days}
    times = sorted({s.astimezone(BUSINESS_TZ).time() for starts in starts_by_day.values() for s in starts})
    step = dt.timedelta(minutes=store.slot_minutes)
    by_bay: dict[tuple[dt.date, int], list[Appointment]] = {}
    for appointment in appointments:
        day = appointment.starts_at.astimezone(BUSINESS_TZ).date()
        column = columns[(day - monday).days]
        bay = _bay_of(appointment)
        if bay is None:
            if getattr(appointment, "left_for_day", None) or (appointment.work_type and appointment.work_type.occupies == Occupies.DAY):
                column.left.append(appointment)
            continue
        by_bay.setdefault((day, bay), []).append(appointment)
        column.booked_minutes += int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    for column in columns:
        if column.status.hours is not None:
            opens, closes = open_window(column.day, column.status.hours)
            column.capacity_minutes = int((closes - opens).total_seconds() // 60) * store.service_bays
    rows = []
    for time in times:
        cells: list[list[BayCell] | None] = []
        for day in days:
            start = _local(day, time)
            if start not in starts_by_day[day]:
                cells.append(None)
                continue
            bays = []
            for bay in range(store.service_bays):
                cell = BayCell(start, bay)
                for appointment in by_bay.get((day, bay), []):
                    if appointment.starts_at < start + step and start < appointment.ends_at:
                        cell.appointment = appointment
                        cell.starts_here = start <= appointment.starts_at < start + step
                        break
                bays.append(cell)
            cells.append(bays)
        rows.append((time, cells))
    return WeekBoard(store, monday, columns, rows)


@dataclass(frozen=True)
class LoadDay:
    day: dt.date
    booked_hours: float
    capacity_hours: float
    closed: bool

    @property
    def share(self) -> float:
        return self.booked_hours / self.capacity_hours if self.capacity_hours else 0.0


def month_load(store: Store, first: dt.date, calendar: StoreCalendar, appointments: list[Appointment]) -> list[LoadDay]:
    """Booked bay hours vs bay hours open, per day of the month starting at `first`."""
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    booked: dict[dt.date, float] = {}
    for appointment in appointments:
        if _bay_of(appointment) is None:
            continue
        day = appointment.starts_at.astimezone(BUSINESS_TZ).date()
        booked[day] = booked.get(day, 0.0) + (appointment.ends_at - appointment.starts_at).total_seconds() / 3600
    out = []
    day = first
    while day <= last:
        hours = calendar.hours_on(day)
        capacity = 0.0
        if hours is not None:
            opens, closes = open_window(day, hours)
            capacity = (closes - opens).total_seconds() / 3600 * store.service_bays
        out.append(LoadDay(day, round(booked.get(day, 0.0), 2), round(capacity, 2), hours is None))
        day += dt.timedelta(days=1)
    return out
