"""Who answers a warning and by when (seed note 5: a store responds only in business hours).

Routing, decided when the follow-up opens:
1. the car's registered store, if it is open now (StoreCalendar.is_open_at);
2. else a call-center desk serving the car's company that is open now (lowest id first);
3. else nobody is open: whichever opens first, the store or a desk; on a tie the store, since
   it knows the car and the owner. The follow-up waits for that opening (`available_from`),
   and the owner is told when they will be contacted;
4. no store and no desk at all: the company's admins (assignee "company"), from now.

The SLA is counted in the assignee's business time from `available_from`, so a warning at
17:50 with a 30-minute SLA at a store closing at 18:00 is due 10 minutes after the next
opening. Minutes per severity come from settings.FOLLOWUP_SLA_MINUTES.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings

from dealers.models import CallCenterDesk, Store
from dealers.selectors.calendar import BUSINESS_TZ, MAX_SEARCH_DAYS, StoreCalendar, desk_hours_on, desk_next_opening
from vehicles.models import Assignee

Hours = tuple[dt.time, dt.time]
HoursOn = Callable[[dt.date], Hours | None]


@dataclass(frozen=True)
class Routing:
    assignee: str
    store: Store | None
    desk: CallCenterDesk | None
    open_now: bool
    available_from: dt.datetime
    due_at: dt.datetime


def sla_minutes(severity: str) -> int:
    return settings.FOLLOWUP_SLA_MINUTES[severity]


def _window(day: dt.date, hours: Hours) -> tuple[dt.datetime, dt.datetime]:
    # Same reading as dealers.selectors.calendar: closing at or before opening runs past midnight.
    opens, closes = hours
    end_day = day if closes > opens else day + dt.timedelta(days=1)
    return dt.datetime.combine(day, opens, BUSINESS_TZ), dt.datetime.combine(end_day, closes, BUSINESS_TZ)


def business_time_add(hours_on: HoursOn, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """`start` plus `duration` counted only while open (per `hours_on`). With no opening
    within MAX_SEARCH_DAYS the clock runs on wall time instead, so a due time always exists."""
    remaining, cursor = duration, start
    first = start.astimezone(BUSINESS_TZ).date() - dt.timedelta(days=1)  # yesterday's late window
    for offset in range(MAX_SEARCH_DAYS + 2):
        day = first + dt.timedelta(days=offset)
        hours = hours_on(day)
        if hours is None:
            continue
        opens, closes = _window(day, hours)
        begin = max(opens, cursor)
        if begin >= closes:
            continue
        if closes - begin >= remaining:
            return (begin + remaining).astimezone(start.tzinfo)
        remaining -= closes - begin
        cursor = closes
    return start + duration


def desk_hours(desk: CallCenterDesk) -> HoursOn:
    return lambda day: desk_hours_on(desk, day)


@dataclass(frozen=True)
class _Candidate:
    assignee: str
    store: Store | None
    desk: CallCenterDesk | None
    hours_on: HoursOn
    opens_at: dt.datetime | None  # `now` when open now


def _candidates(store: Store | None, calendar: StoreCalendar | None, desks: Sequence[CallCenterDesk], now: dt.datetime):
    if store is not None and calendar is not None:
        yield _Candidate(Assignee.STORE, store, None, calendar.hours_on, calendar.next_opening(now))
    for desk in desks:
        hours_on = desk_hours(desk)
        # next_opening(now) is `now` itself when open now.
        yield _Candidate(Assignee.DESK, None, desk, hours_on, desk_next_opening(desk, now))


def followup_route(
    *, store: Store | None, desks: Sequence[CallCenterDesk], severity: str, now: dt.datetime,
    calendar: StoreCalendar | None = None,
) -> Routing:
    """Route a follow-up opened at `now` (see the module docstring). `desks`: the desks serving
    the car's company, in preference order; `calendar`: the store's, when the caller has it."""
    if store is not None and calendar is None:
        calendar = StoreCalendar.for_store(store)
    sla = dt.timedelta(minutes=sla_minutes(severity))
    candidates = list(_candidates(store, calendar, desks, now))
    for candidate in candidates:  # store first, then desks in order
        if candidate.opens_at == now:
            return _routing(candidate, now, sla, open_now=True)
    opening = [c for c in candidates if c.opens_at is not None]
    if opening:
        # min() keeps the first of equal openings: the store wins a tie.
        return _routing(min(opening, key=lambda c: c.opens_at), now, sla, open_now=False)
    return Routing(Assignee.COMPANY, store, None, False, now, now + sla)


def _routing(candidate: _Candidate, now: dt.datetime, sla: dt.timedelta, *, open_now: bool) -> Routing:
    start = now if open_now else candidate.opens_at
    assert start is not None
    return Routing(
        assignee=candidate.assignee,
        store=candidate.store,
        desk=candidate.desk,
        open_now=open_now,
        available_from=start,
        due_at=business_time_add(candidate.hours_on, start, sla),
    )
