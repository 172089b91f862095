"""Slot arithmetic: which slots a store offers on a day and which of them fit a preference.

No queries here: the calendar (dealers.selectors.calendar.StoreCalendar or anything with `hours_on`) is
handed in. A store open [opens, closes) with slots of N minutes offers slots starting at opens,
opens + N, … whose end is at or before closing time; closed days offer none. Slots are aware
datetimes in Asia/Tokyo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from dealers.selectors.calendar import BUSINESS_TZ, Hours
from vehicles.parsing.preferences import Preference, part_of

# Nobody can be booked into a slot that starts within the hour: the store needs time to see it.
BOOKING_LEAD = dt.timedelta(hours=1)
# A preference without a date ("午後2時") looks at this many days from today.
UNDATED_SEARCH_DAYS = 14
MAX_RANGE_DAYS = 62  # a range of days is searched this far at most (「来月中」 is a month)
# How far ahead alternatives are looked for.
ALTERNATIVES_HORIZON_DAYS = 30
# An exact time asked for may start off the slot grid, on a quarter-hour (see exact_start).
EXACT_STEP_MINUTES = 15


class HasHours(Protocol):
    def hours_on(self, day: dt.date) -> Hours | None: ...


def open_window(day: dt.date, hours: Hours) -> tuple[dt.datetime, dt.datetime]:
    """[opening, closing) of `day` in Asia/Tokyo; hours closing at or before opening run past midnight."""
    opens, closes = hours
    start = dt.datetime.combine(day, opens, BUSINESS_TZ)
    return start, dt.datetime.combine(day if closes > opens else day + dt.timedelta(days=1), closes, BUSINESS_TZ)


def day_slots(day: dt.date, hours: Hours | None, slot_minutes: int, minutes: int | None = None) -> list[dt.datetime]:
    """Slot starts of `day` within `hours` (none when closed or slots are not positive). Work of
    `minutes` (default: one slot) must end by closing time, so long work starts earlier."""
    if hours is None or slot_minutes <= 0:
        return []
    start, end = open_window(day, hours)
    step = dt.timedelta(minutes=slot_minutes)
    length = dt.timedelta(minutes=minutes or slot_minutes)
    slots = []
    while start + length <= end:
        slots.append(start)
        start += step
    return slots


def exact_start(day: dt.date, hours: Hours | None, wanted: dt.time, minutes: int) -> dt.datetime | None:
    """The exact time asked for as a start, off the store's grid (issue 16: 「10時」 at a store
    whose hourly slots start on the half hour takes 10:00 when a bay is free): on a
    quarter-hour, within the hours, the work done by closing; else None."""
    if hours is None or wanted.minute % EXACT_STEP_MINUTES or wanted.second:
        return None
    opens, closes = open_window(day, hours)
    start = dt.datetime.combine(day, wanted, BUSINESS_TZ)
    if opens <= start and start + dt.timedelta(minutes=minutes) <= closes:
        return start
    return None


def is_offered(calendar: HasHours, slot_minutes: int, at: dt.datetime, minutes: int | None = None) -> bool:
    """True when `at` is the start of a slot the store offers (open day, on the grid, in hours,
    work of `minutes` done by closing)."""
    local = at.astimezone(BUSINESS_TZ)
    return local in day_slots(local.date(), calendar.hours_on(local.date()), slot_minutes, minutes)


def fits(preference: Preference, slot: dt.datetime, slot_minutes: int) -> bool:
    """Does the slot (Asia/Tokyo) satisfy the preference? A time matches the first slot that
    starts at it or within one slot length after it (14:30 with hourly slots → 15:00)."""
    local = slot.astimezone(BUSINESS_TZ)
    if preference.date is not None and not preference.date <= local.date() <= (preference.end_date or preference.date):
        return False
    if preference.time is not None and preference.end_time is not None:  # a window: any slot starting in it
        return preference.time <= local.time() < preference.end_time
    if preference.time is not None:
        wanted = dt.datetime.combine(local.date(), preference.time, BUSINESS_TZ)
        return wanted <= local < wanted + dt.timedelta(minutes=slot_minutes)
    if preference.part is not None:
        return part_of(local.time()) == preference.part
    return True


def _days_for(preference: Preference, today: dt.date) -> Iterator[dt.date]:
    if preference.date is not None:
        last = min(preference.end_date or preference.date, preference.date + dt.timedelta(days=MAX_RANGE_DAYS - 1))
        day = preference.date
        while day <= last:  # a range: every day in it, the first free slot first
            yield day
            day += dt.timedelta(days=1)
        return
    for offset in range(UNDATED_SEARCH_DAYS):
        yield today + dt.timedelta(days=offset)


def candidate_slots(
    calendar: HasHours, slot_minutes: int, preferences: Sequence[Preference], *, not_before: dt.datetime,
    minutes: int | None = None,
) -> list[dt.datetime]:
    """Offered starts matching the preferences, in preference order then time, without repeats.
    Work of `minutes` must end by closing; an exact time asked for is a start of its own when
    it is off the grid (exact_start), so it comes before the grid slot after it."""
    today = not_before.astimezone(BUSINESS_TZ).date()
    seen: set[dt.datetime] = set()
    ordered: list[dt.datetime] = []
    for preference in preferences:
        for day in _days_for(preference, today):
            hours = calendar.hours_on(day)
            starts = day_slots(day, hours, slot_minutes, minutes)
            if preference.time is not None and preference.end_time is None:
                exact = exact_start(day, hours, preference.time, minutes or slot_minutes)
                if exact is not None and exact not in starts:
                    starts = sorted([*starts, exact])
            for slot in starts:
                if slot >= not_before and slot not in seen and fits(preference, slot, slot_minutes):
                    seen.add(slot)
                    ordered.append(slot)
    return ordered


def offered_between(
    calendar: HasHours, slot_minutes: int, first: dt.date, last: dt.date, minutes: int | None = None
) -> Iterable[dt.datetime]:
    day = first
    while day <= last:
        yield from day_slots(day, calendar.hours_on(day), slot_minutes, minutes)
        day += dt.timedelta(days=1)


def asked_time(preferences: Sequence[Preference], slot: dt.datetime, slot_minutes: int) -> dt.datetime | None:
    """The exact time the owner asked for that `slot` answers, when it is not `slot` itself.

    Only an exact time counts (「10時」, 「14:00」): a window, a part of day or a bare date asked
    for no particular start, so any start in it is what was asked."""
    local = slot.astimezone(BUSINESS_TZ)
    for preference in preferences:
        if preference.time is None or preference.end_time is not None:
            continue
        if fits(preference, slot, slot_minutes):
            wanted = dt.datetime.combine(local.date(), preference.time, BUSINESS_TZ)
            return wanted if wanted != local else None
    return None
