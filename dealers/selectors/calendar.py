"""Store business calendars and call-center desk hours (domain §6).

A `StoreCalendar` is built once from a store's rows (hours, closing rules, exceptions) and then
answers every question in memory: no query per day. What decides a day, strongest first:

1. a calendar exception covering the day (closed, or open with its own or the usual hours);
2. a national holiday, when the store is closed on national holidays;
3. a closing rule ("every Monday", "1st Wednesday", "Tuesday except the last one"), including
   a rule day moved to the next calendar day because it fell on a national holiday;
4. the usual hours of the weekday (no hours = closed).

Opening hours are half-open, [opens, closes): a store open 10:00–18:00 is closed at 18:00.
Times are read in Asia/Tokyo whatever the zone of the datetime handed in.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import jpholiday
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import CalendarException, CallCenterDesk, ClosingRule, Store, StoreHours
from dealers.models.calendar import Weekday, WeekOfMonth
from dealers.parsing.dates import date_label

BUSINESS_TZ = ZoneInfo("Asia/Tokyo")
# Longer than any closure (New Year, Obon) plus a year of weekly rules; beyond it, give up.
MAX_SEARCH_DAYS = 400

Hours = tuple[dt.time, dt.time]
HoursOn = Callable[[dt.date], Hours | None]


@functools.lru_cache(maxsize=4096)
def holiday_name(day: dt.date) -> str | None:
    """The national holiday's name (substitute holidays and 国民の休日 included), or None.
    Cached: the law's calendar does not change while a process runs, and schedulers ask for the
    same dates once per store."""
    return jpholiday.is_holiday_name(day)


def business_date(at: dt.datetime | None = None) -> dt.date:
    """The calendar date in Japan at `at` (now when omitted)."""
    return _in_business_tz(at if at is not None else timezone.now()).date()


def _in_business_tz(at: dt.datetime) -> dt.datetime:
    if timezone.is_naive(at):
        raise ValueError("A timezone-aware datetime is required.")
    return at.astimezone(BUSINESS_TZ)


@dataclass(frozen=True, slots=True)
class ClosingRuleSpec:
    weekday: int
    week_of_month: str
    moves_to_next_day_on_holiday: bool = False

    def matches(self, day: dt.date) -> bool:
        """Week n is the nth occurrence of the weekday in the month, not the calendar row."""
        if day.weekday() != self.weekday:
            return False
        is_last = day.day + 7 > _stdlib_calendar.monthrange(day.year, day.month)[1]
        if self.week_of_month == WeekOfMonth.EVERY:
            return True
        if self.week_of_month == WeekOfMonth.LAST:
            return is_last
        if self.week_of_month == WeekOfMonth.ALL_BUT_LAST:
            return not is_last
        return (day.day - 1) // 7 + 1 == int(self.week_of_month)

    def label(self) -> str:
        return f"{WeekOfMonth(self.week_of_month).label} {Weekday(self.weekday).label}"


@dataclass(frozen=True, slots=True)
class ExceptionSpec:
    starts_on: dt.date
    ends_on: dt.date
    is_open: bool
    hours: Hours | None = None  # open days only; None = the usual hours
    note: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True, slots=True)
class DayStatus:
    """One day of a store: its hours when open, else why it is closed (for display)."""

    day: dt.date
    hours: Hours | None
    reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.hours is not None


@dataclass(frozen=True)
class StoreCalendar:
    store_id: int | None
    weekly_hours: Mapping[int, Hours]
    rules: tuple[ClosingRuleSpec, ...] = ()
    exceptions: tuple[ExceptionSpec, ...] = ()
    closed_on_national_holidays: bool = False

    @classmethod
    def for_store(cls, store: Store) -> StoreCalendar:
        """Three small queries, or none when the store's relations were prefetched."""
        return cls.from_rows(
            store,
            hours=store.hours.all(),
            rules=store.closing_rules.all(),
            exceptions=store.calendar_exceptions.all(),
        )

    @classmethod
    def for_stores(cls, stores: Iterable[Store]) -> dict[int, StoreCalendar]:
        """Calendars keyed by store id, in four queries however many stores (one for a list)."""
        stores = list(stores)
        prefetch_related_objects(stores, "hours", "closing_rules", "calendar_exceptions")
        return {store.pk: cls.for_store(store) for store in stores}

    @classmethod
    def from_rows(
        cls,
        store: Store,
        *,
        hours: Iterable[StoreHours],
        rules: Iterable[ClosingRule],
        exceptions: Iterable[CalendarException],
    ) -> StoreCalendar:
        return cls(
            store_id=store.pk,
            weekly_hours={row.weekday: (row.opens_at, row.closes_at) for row in hours},
            rules=tuple(
                ClosingRuleSpec(row.weekday, row.week_of_month, row.moves_to_next_day_on_holiday) for row in rules
            ),
            exceptions=tuple(
                ExceptionSpec(
                    starts_on=row.starts_on,
                    ends_on=row.ends_on,
                    is_open=row.is_open,
                    hours=(row.opens_at, row.closes_at)
                    if row.opens_at is not None and row.closes_at is not None
                    else None,
                    note=row.note,
                )
                for row in exceptions
            ),
            closed_on_national_holidays=store.closed_on_national_holidays,
        )

    # -- one day ------------------------------------------------------------------------------

    def day_status(self, day: dt.date) -> DayStatus:
        exception = self._exception_on(day)
        if exception is not None:
            return self._exception_status(day, exception)
        holiday = holiday_name(day)
        if holiday and self.closed_on_national_holidays:
            return DayStatus(day, None, holiday)
        rule_reason = self._rule_reason(day, holiday)
        if rule_reason:
            return DayStatus(day, None, rule_reason)
        hours = self.weekly_hours.get(day.weekday())
        if hours is None:
            reason = _("Closed on %(weekday)s") % {"weekday": Weekday(day.weekday()).label}
            return DayStatus(day, None, reason)
        return DayStatus(day, hours)

    def hours_on(self, day: dt.date) -> Hours | None:
        """(opens, closes) on `day`, or None when the store is closed."""
        return self.day_status(day).hours

    def is_open_day(self, day: dt.date) -> bool:
        return self.day_status(day).is_open

    def closing_reason(self, day: dt.date) -> str | None:
        """Why the store is closed on `day` (rule, exception note, holiday name); None if open."""
        return self.day_status(day).reason

    def open_days(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        """The open days from `start` to `end`, both included."""
        day = start
        while day <= end:
            if self.is_open_day(day):
                yield day
            day += dt.timedelta(days=1)

    def _exception_on(self, day: dt.date) -> ExceptionSpec | None:
        # The database refuses overlapping rows of a store (calendar_exception_no_overlap); should
        # specs built elsewhere overlap, closed wins: promising an answer the store will not
        # give is worse than a late one.
        covering = [exc for exc in self.exceptions if exc.covers(day)]
        covering.sort(key=lambda exc: exc.is_open)  # stable: closed rows first
        return covering[0] if covering else None

    def _exception_status(self, day: dt.date, exception: ExceptionSpec) -> DayStatus:
        if not exception.is_open:
            return DayStatus(day, None, exception.note or _("Temporary closure"))
        hours = exception.hours or self.weekly_hours.get(day.weekday())
        if hours is None:
            return DayStatus(day, None, exception.note or _("No business hours set for this day"))
        return DayStatus(day, hours)

    def _rule_reason(self, day: dt.date, holiday: str | None) -> str | None:
        for rule in self.rules:
            if rule.matches(day) and not (holiday and rule.moves_to_next_day_on_holiday):
                return _("Regular closing day (%(rule)s)") % {"rule": rule.label()}
        # A moving rule whose day was a holiday closes the next calendar day instead. Stores
        # closed on holidays already rested on the holiday, so nothing moves for them.
        eve = day - dt.timedelta(days=1)
        if self.closed_on_national_holidays or not holiday_name(eve):
            return None
        for rule in self.rules:
            if rule.moves_to_next_day_on_holiday and rule.matches(eve):
                return _("Regular closing day (%(rule)s) moved from the holiday on %(date)s") % {
                    "rule": rule.label(),
                    "date": date_label(eve),
                }
        return None

    def weekdays_closed_by_rule_but_ticked_open(self) -> list[int]:
        """Weekdays with usual hours ("open" ticked) that a closing rule shuts every week: the
        two settings contradict each other, and the rule wins (issue 16: never silently)."""
        every = {rule.weekday for rule in self.rules if rule.week_of_month == WeekOfMonth.EVERY}
        return sorted(every & set(self.weekly_hours))

    # -- instants -----------------------------------------------------------------------------

    def is_open_at(self, at: dt.datetime) -> bool:
        return _open_at(self.hours_on, at)

    def next_opening(self, after: dt.datetime) -> dt.datetime | None:
        return _next_opening(self.hours_on, after)


# -- instants, for any "hours on a day" function (stores and desks) ------------------------------


def _window(day: dt.date, hours: Hours) -> tuple[dt.datetime, dt.datetime]:
    """The open interval of `day`; hours that close at or before they open run past midnight."""
    opens, closes = hours
    end_day = day if closes > opens else day + dt.timedelta(days=1)
    return dt.datetime.combine(day, opens, BUSINESS_TZ), dt.datetime.combine(end_day, closes, BUSINESS_TZ)


def _open_at(hours_on: HoursOn, at: dt.datetime) -> bool:
    local = _in_business_tz(at)
    # Yesterday too: a window past midnight is still open this morning.
    for day in (local.date() - dt.timedelta(days=1), local.date()):
        hours = hours_on(day)
        if hours is not None:
            start, end = _window(day, hours)
            if start <= local < end:
                return True
    return False


def _next_opening(hours_on: HoursOn, after: dt.datetime) -> dt.datetime | None:
    """`after` itself when open then, else the next opening (in `after`'s zone), else None."""
    if _open_at(hours_on, after):
        return after
    local = _in_business_tz(after)
    for offset in range(MAX_SEARCH_DAYS + 1):
        day = local.date() + dt.timedelta(days=offset)
        hours = hours_on(day)
        if hours is not None:
            start, _end = _window(day, hours)
            if start >= local:
                return start.astimezone(after.tzinfo)
    return None


# -- convenience wrappers ------------------------------------------------------------------------


def store_is_open(store: Store, at: dt.datetime) -> bool:
    return StoreCalendar.for_store(store).is_open_at(at)


def store_next_opening(store: Store, after: dt.datetime) -> dt.datetime | None:
    return StoreCalendar.for_store(store).next_opening(after)


# -- call-center desk ----------------------------------------------------------------------------


def _as_time(value: dt.time | str) -> dt.time:
    # The model's defaults are strings ("09:00") until the row is read back from the database.
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(value)


def desk_hours_on(desk: CallCenterDesk, day: dt.date) -> Hours | None:
    """The desk's hours on `day`. Not open every day = weekdays that are not national holidays.

    Equal opening and closing times mean round the clock; closing before opening runs past
    midnight.
    """
    if not desk.open_every_day and (day.weekday() >= Weekday.SATURDAY or holiday_name(day)):
        return None
    return _as_time(desk.opens_at), _as_time(desk.closes_at)


def desk_is_open(desk: CallCenterDesk, at: dt.datetime) -> bool:
    return _open_at(lambda day: desk_hours_on(desk, day), at)


def desk_next_opening(desk: CallCenterDesk, after: dt.datetime) -> dt.datetime | None:
    return _next_opening(lambda day: desk_hours_on(desk, day), after)
