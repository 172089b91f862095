"""Store business calendars and call-center desk hours (dealers/selectors/calendar.py, domain §6).

Holiday facts used below (jpholiday, checked against the Cabinet Office list):
2025-05-05 こどもの日 (Mon), 2025-05-06 みどりの日 振替休日 (Tue), 2025-09-15 敬老の日 (Mon),
2025-09-23 秋分の日 (Tue), 2025-11-03 文化の日 (Mon), 2025-11-24 勤労感謝の日 振替休日 (Mon),
2026-01-12 成人の日 (Mon), 2026-09-21 敬老の日 (Mon), 2026-09-22 国民の休日 (Tue).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from dealers.models import CalendarException, CallCenterDesk, ClosingRule, Store, StoreHours
from dealers.models.calendar import Weekday, WeekOfMonth
from dealers.selectors.calendar import (
    BUSINESS_TZ,
    ClosingRuleSpec,
    ExceptionSpec,
    StoreCalendar,
    business_date,
    desk_hours_on,
    desk_is_open,
    desk_next_opening,
    holiday_name,
    store_is_open,
    store_next_opening,
)
from tests.factories import CallCenterDeskFactory, StoreFactory

JST = ZoneInfo("Asia/Tokyo")
UTC = dt.UTC
D = dt.date
T = dt.time
MON, TUE, WED = Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Reasons are user-facing strings; compare them in the English source language.
    with translation.override("en"):
        yield


def jst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


def make_store(
    *,
    hours: dict[int, tuple[dt.time, dt.time]] | None = None,
    rules: Sequence[tuple[int, str, bool]] = (),
    exceptions: Sequence[dict] = (),
    closed_on_national_holidays: bool = False,
) -> Store:
    """A store open 10:00–18:00 every day unless `hours` says otherwise, plus rules/exceptions."""
    store = StoreFactory(with_hours=False, closed_on_national_holidays=closed_on_national_holidays)
    hours = {wd: (T(10), T(18)) for wd in range(7)} if hours is None else hours
    StoreHours.objects.bulk_create(
        StoreHours(store=store, weekday=wd, opens_at=o, closes_at=c) for wd, (o, c) in hours.items()
    )
    ClosingRule.objects.bulk_create(
        ClosingRule(store=store, weekday=wd, week_of_month=w, moves_to_next_day_on_holiday=m) for wd, w, m in rules
    )
    CalendarException.objects.bulk_create(CalendarException(store=store, **e) for e in exceptions)
    return store


def calendar_for(**kwargs) -> StoreCalendar:
    return StoreCalendar.for_store(make_store(**kwargs))


# -- the holiday data this file relies on -------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2025, 5, 6), "みどりの日 振替休日"),
        (D(2025, 11, 24), "勤労感謝の日 振替休日"),
        (D(2026, 1, 12), "成人の日"),
        (D(2026, 9, 22), "国民の休日"),
        (D(2025, 11, 25), None),
    ],
)
def test_holiday_name_uses_jpholiday(day, name):
    assert holiday_name(day) == name


# -- which weeks a rule hits (pure, no database) ------------------------------------------------


@pytest.mark.parametrize(
    ("weekday", "weeks", "day", "expected"),
    [
        (WED, WeekOfMonth.FIRST, D(2025, 10, 1), True),  # the month starts on a Wednesday
        (WED, WeekOfMonth.FIRST, D(2025, 10, 8), False),
        (WED, WeekOfMonth.FIRST, D(2025, 2, 5), True),  # 1st Wednesday sits in calendar row 2
        (WED, WeekOfMonth.SECOND, D(2025, 2, 12), True),
        (WED, WeekOfMonth.FIRST, D(2025, 10, 2), False),  # a Thursday
        (TUE, WeekOfMonth.FIFTH, D(2025, 9, 30), True),
        (TUE, WeekOfMonth.FOURTH, D(2025, 9, 23), True),
        (TUE, WeekOfMonth.LAST, D(2025, 9, 30), True),  # 5 Tuesdays: the 5th is the last
        (TUE, WeekOfMonth.LAST, D(2025, 9, 23), False),
        (TUE, WeekOfMonth.LAST, D(2025, 2, 25), True),  # 4 Tuesdays: the 4th is the last
        (TUE, WeekOfMonth.ALL_BUT_LAST, D(2025, 2, 25), False),
        (TUE, WeekOfMonth.ALL_BUT_LAST, D(2025, 2, 18), True),
        (TUE, WeekOfMonth.ALL_BUT_LAST, D(2025, 9, 23), True),
        (TUE, WeekOfMonth.ALL_BUT_LAST, D(2025, 9, 30), False),
        (MON, WeekOfMonth.EVERY, D(2025, 6, 30), True),
        (MON, WeekOfMonth.EVERY, D(2025, 7, 1), False),
    ],
)
def test_rule_matches_nth_occurrence_of_weekday(weekday, weeks, day, expected):
    assert ClosingRuleSpec(weekday, weeks).matches(day) is expected


def test_calendar_from_plain_data_needs_no_database(django_assert_num_queries):
    cal = StoreCalendar(
        store_id=None,
        weekly_hours={wd: (T(9, 30), T(18)) for wd in range(7)},
        rules=(ClosingRuleSpec(MON, WeekOfMonth.EVERY),),
    )
    with django_assert_num_queries(0):
        assert cal.hours_on(D(2025, 6, 3)) == (T(9, 30), T(18))
        assert cal.hours_on(D(2025, 6, 2)) is None


# -- weekly closing patterns --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "is_open"),
    [
        (D(2025, 6, 2), False),  # Monday
        (D(2025, 6, 3), True),
        (D(2025, 6, 8), True),  # Sunday
        (D(2025, 6, 9), False),
        (D(2025, 6, 30), False),
    ],
)
def test_closed_mondays(day, is_open):
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, False)])
    assert cal.is_open_day(day) is is_open
    assert (cal.hours_on(day) == (T(10), T(18))) is is_open


def test_monday_without_hours_is_closed_and_says_so():
    cal = StoreCalendar.for_store(StoreFactory())  # factory: open Tuesday to Sunday
    assert cal.hours_on(D(2025, 6, 2)) is None
    assert cal.closing_reason(D(2025, 6, 2)) == "Closed on Monday"
    assert cal.closing_reason(D(2025, 6, 3)) is None


@pytest.mark.parametrize(
    ("day", "is_open"),
    [
        (D(2025, 10, 1), False),  # 1st Wednesday, first day of the month
        (D(2025, 10, 6), False),  # Monday
        (D(2025, 10, 7), True),
        (D(2025, 10, 8), True),  # 2nd Wednesday
        (D(2025, 11, 5), False),
        (D(2025, 11, 12), True),
        (D(2025, 2, 5), False),  # 1st Wednesday in the second calendar row
        (D(2026, 7, 1), False),
        (D(2026, 7, 2), True),
    ],
)
def test_monday_and_first_wednesday(day, is_open):
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, False), (WED, WeekOfMonth.FIRST, False)])
    assert cal.is_open_day(day) is is_open


@pytest.mark.parametrize(
    ("day", "is_open"),
    [
        # February 2025 has four Tuesdays: 4, 11, 18 closed; the last (25th) open.
        (D(2025, 2, 4), False),
        (D(2025, 2, 11), False),  # also 建国記念の日: the rule does not move, still closed
        (D(2025, 2, 18), False),
        (D(2025, 2, 25), True),
        (D(2025, 2, 24), False),  # Monday
        # September 2025 has five Tuesdays: only the 30th is open.
        (D(2025, 9, 2), False),
        (D(2025, 9, 23), False),
        (D(2025, 9, 30), True),
        (D(2025, 9, 29), False),
        (D(2025, 9, 26), True),
    ],
)
def test_monday_and_tuesday_except_the_last(day, is_open):
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, False), (TUE, WeekOfMonth.ALL_BUT_LAST, False)])
    assert cal.is_open_day(day) is is_open


# -- closing day moved by a national holiday ----------------------------------------------------


@pytest.mark.parametrize(
    ("day", "is_open"),
    [
        (D(2025, 11, 24), True),  # Monday, 勤労感謝の日 振替休日: open
        (D(2025, 11, 25), False),  # … closed Tuesday instead
        (D(2025, 11, 26), True),
        (D(2025, 11, 17), False),  # an ordinary Monday
        (D(2025, 11, 18), True),
        (D(2026, 1, 12), True),  # 成人の日
        (D(2026, 1, 13), False),
        (D(2025, 9, 15), True),  # 敬老の日
        (D(2025, 9, 16), False),
        (D(2026, 9, 21), True),  # 敬老の日; the next day is itself a holiday (国民の休日)
        (D(2026, 9, 22), False),
    ],
)
def test_monday_rule_moves_to_tuesday_on_holiday(day, is_open):
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, True)])
    assert cal.is_open_day(day) is is_open


def test_moved_closing_day_names_the_holiday():
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, True)])
    assert cal.closing_reason(D(2025, 11, 25)) == (
        "Regular closing day (every week Monday) moved from the holiday on Mon 24 Nov 2025"
    )
    assert cal.closing_reason(D(2025, 11, 17)) == "Regular closing day (every week Monday)"


def test_substitute_holiday_on_tuesday_moves_a_tuesday_rule_to_wednesday():
    cal = calendar_for(rules=[(TUE, WeekOfMonth.EVERY, True)])
    assert cal.is_open_day(D(2025, 5, 6))  # みどりの日 振替休日
    assert not cal.is_open_day(D(2025, 5, 7))
    assert not cal.is_open_day(D(2025, 5, 13))


def test_holiday_on_a_weekday_without_hours_stays_closed_and_still_moves():
    # The factory store has no Monday hours: the holiday cannot open it, the rule still moves.
    store = StoreFactory()
    ClosingRule.objects.create(
        store=store, weekday=MON, week_of_month=WeekOfMonth.EVERY, moves_to_next_day_on_holiday=True
    )
    cal = StoreCalendar.for_store(store)
    assert not cal.is_open_day(D(2025, 11, 24))
    assert cal.closing_reason(D(2025, 11, 24)) == "Closed on Monday"
    assert not cal.is_open_day(D(2025, 11, 25))


def test_rule_without_move_keeps_holiday_closed_and_next_day_open():
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, False)])
    assert not cal.is_open_day(D(2025, 11, 24))
    assert cal.is_open_day(D(2025, 11, 25))


def test_store_closed_on_holidays_does_not_move_the_rule():
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, True)], closed_on_national_holidays=True)
    assert cal.closing_reason(D(2025, 11, 24)) == "勤労感謝の日 振替休日"
    assert cal.is_open_day(D(2025, 11, 25))


def test_moving_second_wednesday_rule_moves_to_thursday():
    # 2026-02-11 建国記念の日 is the 2nd Wednesday of February.
    cal = calendar_for(rules=[(WED, WeekOfMonth.SECOND, True)])
    assert cal.is_open_day(D(2026, 2, 11))
    assert not cal.is_open_day(D(2026, 2, 12))
    assert not cal.is_open_day(D(2026, 3, 11))
    assert cal.is_open_day(D(2026, 3, 12))


# -- national holidays --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2025, 11, 3), "文化の日"),
        (D(2025, 5, 6), "みどりの日 振替休日"),
        (D(2026, 9, 22), "国民の休日"),
        (D(2026, 1, 1), "元日"),
    ],
)
def test_national_holiday_open_by_default_closed_by_setting(day, name):
    assert calendar_for().hours_on(day) == (T(10), T(18))
    closed = calendar_for(closed_on_national_holidays=True)
    assert closed.hours_on(day) is None
    assert closed.closing_reason(day) == name


def test_store_model_default_keeps_holidays_open():
    assert StoreFactory().closed_on_national_holidays is False


# -- exceptions ---------------------------------------------------------------------------------

GOLDEN_WEEK = {"starts_on": D(2025, 5, 3), "ends_on": D(2025, 5, 6), "note": "GW休業"}
NEW_YEAR = {"starts_on": D(2025, 12, 29), "ends_on": D(2026, 1, 4), "note": "年末年始休業"}


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (D(2025, 5, 2), None),
        (D(2025, 5, 3), "GW休業"),
        (D(2025, 5, 5), "GW休業"),  # Monday + holiday: the exception's note wins
        (D(2025, 5, 6), "GW休業"),
        (D(2025, 5, 7), None),
        (D(2025, 12, 28), None),
        (D(2025, 12, 29), "年末年始休業"),
        (D(2026, 1, 1), "年末年始休業"),
        (D(2026, 1, 4), "年末年始休業"),
        (D(2026, 1, 5), "Regular closing day (every week Monday)"),
        (D(2026, 1, 6), None),
    ],
)
def test_golden_week_and_new_year_closures(day, reason):
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, False)], exceptions=[GOLDEN_WEEK, NEW_YEAR])
    assert cal.closing_reason(day) == reason
    assert cal.is_open_day(day) is (reason is None)


def test_closure_without_note_has_a_generic_reason():
    cal = calendar_for(exceptions=[{"starts_on": D(2025, 8, 13), "ends_on": D(2025, 8, 16)}])
    assert cal.closing_reason(D(2025, 8, 14)) == "Temporary closure"


def test_open_exception_on_a_closing_day_with_special_hours():
    cal = calendar_for(
        rules=[(MON, WeekOfMonth.EVERY, False)],
        exceptions=[
            {
                "starts_on": D(2025, 6, 9),
                "ends_on": D(2025, 6, 9),
                "is_open": True,
                "opens_at": T(10),
                "closes_at": T(15),
                "note": "臨時営業",
            }
        ],
    )
    assert cal.hours_on(D(2025, 6, 9)) == (T(10), T(15))
    assert cal.is_open_at(jst(2025, 6, 9, 14, 59))
    assert not cal.is_open_at(jst(2025, 6, 9, 15, 0))
    assert cal.hours_on(D(2025, 6, 16)) is None


def test_open_exception_beats_the_holiday_closure_with_usual_hours():
    cal = calendar_for(
        closed_on_national_holidays=True,
        exceptions=[{"starts_on": D(2025, 11, 3), "ends_on": D(2025, 11, 3), "is_open": True}],
    )
    assert cal.hours_on(D(2025, 11, 3)) == (T(10), T(18))


def test_open_exception_without_hours_on_a_day_without_hours_stays_closed():
    store = StoreFactory()  # no Monday hours
    CalendarException.objects.create(store=store, starts_on=D(2025, 6, 9), ends_on=D(2025, 6, 9), is_open=True)
    cal = StoreCalendar.for_store(store)
    assert cal.hours_on(D(2025, 6, 9)) is None
    assert cal.closing_reason(D(2025, 6, 9)) == "No business hours set for this day"


def test_overlapping_specs_closed_wins():
    # The database refuses overlapping rows; specs built elsewhere must still give one answer.
    cal = calendar_for()
    cal = dataclasses.replace(cal, exceptions=(
        ExceptionSpec(D(2025, 8, 1), D(2025, 8, 20), is_open=True),
        ExceptionSpec(D(2025, 8, 13), D(2025, 8, 16), is_open=False, note="お盆休み"),
    ))
    assert cal.closing_reason(D(2025, 8, 14)) == "お盆休み"
    assert cal.is_open_day(D(2025, 8, 18))


def test_the_database_refuses_overlapping_rows_written_around_validation():
    store = StoreFactory()
    CalendarException.objects.create(store=store, starts_on=D(2025, 8, 13), ends_on=D(2025, 8, 16))
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarException.objects.bulk_create([CalendarException(store=store, starts_on=D(2025, 8, 16), ends_on=D(2025, 8, 20))])
    CalendarException.objects.create(store=store, starts_on=D(2025, 8, 17), ends_on=D(2025, 8, 20))  # the next day: fine
    CalendarException.objects.create(store=StoreFactory(), starts_on=D(2025, 8, 13), ends_on=D(2025, 8, 16))  # another store


def test_open_days_lists_each_open_date_in_range():
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, False), (WED, WeekOfMonth.FIRST, False)])
    june = list(cal.open_days(D(2025, 6, 1), D(2025, 6, 30)))
    closed = {D(2025, 6, d) for d in (2, 4, 9, 16, 23, 30)}
    assert june == [D(2025, 6, d) for d in range(1, 31) if D(2025, 6, d) not in closed]
    assert list(cal.open_days(D(2025, 6, 3), D(2025, 6, 3))) == [D(2025, 6, 3)]
    assert list(cal.open_days(D(2025, 6, 5), D(2025, 6, 4))) == []


# -- instants -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (jst(2025, 6, 3, 9, 59, 59), False),
        (jst(2025, 6, 3, 10, 0), True),  # opening minute
        (jst(2025, 6, 3, 17, 59, 59), True),
        (jst(2025, 6, 3, 18, 0), False),  # closing minute: [opens, closes)
        (dt.datetime(2025, 6, 3, 0, 59, tzinfo=UTC), False),  # 09:59 JST
        (dt.datetime(2025, 6, 3, 1, 0, tzinfo=UTC), True),  # 10:00 JST
        (dt.datetime(2025, 6, 3, 9, 0, tzinfo=UTC), False),  # 18:00 JST
        (dt.datetime(2025, 6, 2, 16, 0, tzinfo=UTC), False),  # Tue 01:00 JST, Mon 16:00 UTC
        (jst(2025, 6, 2, 12, 0), False),  # Monday
    ],
)
def test_is_open_at_half_open_interval(at, is_open):
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, False)])
    assert cal.is_open_at(at) is is_open


def test_naive_datetime_is_refused():
    cal = calendar_for()
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.is_open_at(dt.datetime(2025, 6, 3, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        business_date(dt.datetime(2025, 6, 3, 12))


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (jst(2025, 6, 3, 12, 34, 56), jst(2025, 6, 3, 12, 34, 56)),  # inside hours: same instant
        (jst(2025, 6, 3, 10, 0), jst(2025, 6, 3, 10, 0)),
        (jst(2025, 6, 3, 7, 0), jst(2025, 6, 3, 10, 0)),  # before opening
        (jst(2025, 6, 3, 18, 0), jst(2025, 6, 4, 10, 0)),  # at closing: next day
        (jst(2025, 6, 7, 19, 0), jst(2025, 6, 8, 10, 0)),  # Saturday evening → Sunday
        (jst(2025, 6, 8, 18, 30), jst(2025, 6, 10, 10, 0)),  # Sunday evening → past Monday
        (jst(2025, 5, 2, 18, 30), jst(2025, 5, 7, 10, 0)),  # across Golden Week
        (jst(2025, 12, 27, 20, 0), jst(2025, 12, 28, 10, 0)),
        (jst(2025, 12, 28, 18, 0), jst(2026, 1, 6, 10, 0)),  # New Year, then Monday 1/5
    ],
)
def test_next_opening(after, expected):
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, False)], exceptions=[GOLDEN_WEEK, NEW_YEAR])
    assert cal.next_opening(after) == expected


def test_next_opening_inside_hours_returns_the_same_object():
    after = jst(2025, 6, 3, 12, 0)
    assert calendar_for().next_opening(after) is after


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # 09:30 JST Tuesday → 10:00 JST = 01:00 UTC the same day.
        (
            dt.datetime(2025, 6, 3, 0, 30, tzinfo=UTC),
            dt.datetime(2025, 6, 3, 1, 0, tzinfo=UTC),
        ),
        # 18:30 JST Tuesday → Wednesday 10:00 JST.
        (
            dt.datetime(2025, 6, 3, 9, 30, tzinfo=UTC),
            dt.datetime(2025, 6, 4, 1, 0, tzinfo=UTC),
        ),
        # Sunday 20:00 UTC is already Monday 05:00 JST: closed Monday → Tuesday 10:00 JST.
        (
            dt.datetime(2025, 6, 1, 20, 0, tzinfo=UTC),
            dt.datetime(2025, 6, 3, 1, 0, tzinfo=UTC),
        ),
    ],
)
def test_next_opening_converts_through_utc(after, expected):
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, False)])
    result = cal.next_opening(after)
    assert result == expected
    assert result.utcoffset() == dt.timedelta(0)  # answered in the caller's zone


def test_next_opening_gives_up_after_about_a_year():
    far = {"starts_on": D(2026, 9, 1), "ends_on": D(2026, 9, 1), "is_open": True}
    far |= {"opens_at": T(10), "closes_at": T(12)}
    cal = calendar_for(hours={}, exceptions=[far])
    assert cal.next_opening(jst(2025, 11, 1, 0, 0)) == jst(2026, 9, 1, 10, 0)  # 304 days
    assert cal.next_opening(jst(2025, 6, 1, 0, 0)) is None  # 457 days
    assert calendar_for(hours={}).next_opening(jst(2025, 6, 1, 0, 0)) is None


def test_store_wrappers():
    store = make_store(rules=[(MON, WeekOfMonth.EVERY, False)])
    assert store_is_open(store, jst(2025, 6, 3, 10, 0))
    assert not store_is_open(store, jst(2025, 6, 2, 10, 0))
    assert store_next_opening(store, jst(2025, 6, 2, 10, 0)) == jst(2025, 6, 3, 10, 0)


def test_business_date_is_tokyo_date():
    assert business_date(dt.datetime(2025, 12, 31, 14, 59, tzinfo=UTC)) == D(2025, 12, 31)
    assert business_date(dt.datetime(2025, 12, 31, 15, 0, tzinfo=UTC)) == D(2026, 1, 1)


def test_business_date_defaults_to_now_in_tokyo_whatever_the_active_zone(time_machine):
    time_machine.move_to(dt.datetime(2025, 12, 31, 15, 30, tzinfo=UTC), tick=False)
    with timezone.override("UTC"):
        assert business_date() == D(2026, 1, 1)
    assert BUSINESS_TZ.key == "Asia/Tokyo"


# -- call-center desk ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (jst(2025, 6, 1, 8, 59), False),  # Sunday
        (jst(2025, 6, 1, 9, 0), True),
        (jst(2025, 6, 1, 17, 59), True),
        (jst(2025, 6, 1, 18, 0), False),
        (jst(2025, 11, 24, 12, 0), True),  # substitute holiday
        (jst(2026, 1, 1, 12, 0), True),  # New Year's Day
        (dt.datetime(2025, 6, 2, 0, 0, tzinfo=UTC), True),  # 09:00 JST
    ],
)
def test_desk_open_every_day(at, is_open):
    desk = CallCenterDeskFactory()  # 09:00–18:00, every day
    assert desk_is_open(desk, at) is is_open


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (jst(2025, 6, 1, 12, 0), jst(2025, 6, 1, 12, 0)),
        (jst(2025, 6, 1, 7, 0), jst(2025, 6, 1, 9, 0)),
        (jst(2025, 6, 1, 18, 30), jst(2025, 6, 2, 9, 0)),
        (jst(2025, 12, 31, 18, 0), jst(2026, 1, 1, 9, 0)),
    ],
)
def test_desk_next_opening_every_day(after, expected):
    assert desk_next_opening(CallCenterDeskFactory(), after) == expected


def test_desk_on_weekdays_only_skips_weekends_and_holidays():
    desk = CallCenterDeskFactory(open_every_day=False)
    assert desk_hours_on(desk, D(2025, 11, 21)) == (T(9), T(18))  # Friday
    assert desk_hours_on(desk, D(2025, 11, 22)) is None  # Saturday
    assert desk_hours_on(desk, D(2025, 11, 24)) is None  # substitute holiday
    assert not desk_is_open(desk, jst(2025, 11, 24, 12, 0))
    assert desk_next_opening(desk, jst(2025, 11, 21, 19, 0)) == jst(2025, 11, 25, 9, 0)


def test_desk_hours_past_midnight_and_round_the_clock():
    night = CallCenterDeskFactory(opens_at=T(22), closes_at=T(6))
    assert desk_is_open(night, jst(2025, 6, 1, 23, 0))
    assert desk_is_open(night, jst(2025, 6, 2, 5, 59))
    assert not desk_is_open(night, jst(2025, 6, 2, 6, 0))
    assert desk_next_opening(night, jst(2025, 6, 2, 6, 0)) == jst(2025, 6, 2, 22, 0)
    always = CallCenterDeskFactory(opens_at=T(0), closes_at=T(0))
    assert desk_is_open(always, jst(2025, 6, 2, 0, 0))
    assert desk_is_open(always, jst(2025, 6, 2, 23, 59, 59))


def test_desk_defaults_work_before_the_row_is_read_back():
    desk = CallCenterDesk(name="e-Care")  # defaults are strings until loaded from the database
    assert desk_hours_on(desk, D(2025, 6, 1)) == (T(9), T(18))
    assert desk_is_open(desk, jst(2025, 6, 1, 9, 0))


# -- query counts -------------------------------------------------------------------------------


def _stores(n: int) -> None:
    for _ in range(n):
        make_store(
            rules=[(MON, WeekOfMonth.EVERY, True), (WED, WeekOfMonth.FIRST, False)],
            exceptions=[GOLDEN_WEEK],
        )


@pytest.mark.parametrize("n", [2, 6])
def test_for_stores_uses_a_constant_number_of_queries(n, django_assert_num_queries):
    _stores(n)
    with django_assert_num_queries(4):  # stores, hours, rules, exceptions
        calendars = StoreCalendar.for_stores(Store.objects.all())
        # Answering questions afterwards needs no query at all.
        for cal in calendars.values():
            assert not cal.is_open_day(D(2025, 5, 5))
            # 5/7 is the 1st Wednesday: closed by rule right after Golden Week.
            assert cal.next_opening(jst(2025, 5, 2, 18, 30)) == jst(2025, 5, 8, 10, 0)
    assert len(calendars) == n
    for store in Store.objects.all():
        assert calendars[store.pk] == StoreCalendar.for_store(store)


def test_for_store_three_queries_or_none_when_prefetched(django_assert_num_queries):
    _stores(1)
    store = Store.objects.get()
    with django_assert_num_queries(3):
        StoreCalendar.for_store(store)
    prefetched = Store.objects.prefetch_related("hours", "closing_rules", "calendar_exceptions").get()
    with django_assert_num_queries(0):
        cal = StoreCalendar.for_store(prefetched)
        assert not cal.is_open_day(D(2025, 10, 1))


# -- validation of calendar input ---------------------------------------------------------------


def _errors(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc_info:
        instance.full_clean()
    return exc_info.value.message_dict


def test_store_hours_must_close_after_opening():
    store = StoreFactory(with_hours=False)
    bad = StoreHours(store=store, weekday=MON, opens_at=T(18), closes_at=T(10))
    assert _errors(bad)["closes_at"] == ["Closing time must be after opening time."]
    StoreHours(store=store, weekday=MON, opens_at=T(9, 30), closes_at=T(18)).full_clean()


def test_duplicate_closing_rule_is_refused():
    store = StoreFactory()
    ClosingRule.objects.create(store=store, weekday=MON, week_of_month=WeekOfMonth.EVERY)
    twin = ClosingRule(store=store, weekday=MON, week_of_month=WeekOfMonth.EVERY)
    assert _errors(twin)["__all__"] == ["This store already has this closing rule."]
    ClosingRule(store=store, weekday=MON, week_of_month=WeekOfMonth.FIRST).full_clean()
    ClosingRule(store=StoreFactory(), weekday=MON, week_of_month=WeekOfMonth.EVERY).full_clean()
    existing = ClosingRule.objects.get(store=store)
    existing.full_clean()  # editing a rule is not a duplicate of itself


def _exception(store, starts_on, ends_on, **kwargs) -> CalendarException:
    return CalendarException(store=store, starts_on=starts_on, ends_on=ends_on, **kwargs)


def test_overlapping_exceptions_are_refused():
    store = StoreFactory()
    saved = _exception(store, D(2025, 5, 3), D(2025, 5, 6))
    saved.full_clean()
    saved.save()
    errors = _errors(_exception(store, D(2025, 5, 6), D(2025, 5, 10)))
    assert errors["__all__"] == ["These dates overlap another exception of this store (Sat 3 May 2025 – Tue 6 May 2025)."]
    assert "__all__" in _errors(_exception(store, D(2025, 4, 20), D(2025, 5, 31)))  # encloses
    _exception(store, D(2025, 5, 7), D(2025, 5, 10)).full_clean()  # adjacent is fine
    _exception(StoreFactory(), D(2025, 5, 3), D(2025, 5, 6)).full_clean()  # other store
    saved.ends_on = D(2025, 5, 7)
    saved.full_clean()  # moving an exception does not collide with itself


@pytest.mark.parametrize(("days", "ok"), [(1, True), (60, True), (61, False), (200, False)])
def test_exception_range_at_most_60_days(days, ok):
    start = D(2025, 7, 1)
    exc = _exception(StoreFactory(), start, start + dt.timedelta(days=days - 1))
    if ok:
        exc.full_clean()
    else:
        assert _errors(exc)["ends_on"] == ["A calendar exception may cover at most 60 days."]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (
            {"starts_on": D(2025, 5, 6), "ends_on": D(2025, 5, 3)},
            "ends_on",
            "The last day must not be before the first day.",
        ),
        (
            {"is_open": True, "opens_at": T(10)},
            "__all__",
            "Give both opening and closing time, or neither.",
        ),
        (
            {"is_open": True, "opens_at": T(15), "closes_at": T(10)},
            "closes_at",
            "Closing time must be after opening time.",
        ),
        (
            {"opens_at": T(10), "closes_at": T(15)},
            "opens_at",
            "Hours only apply to open days.",
        ),
        (
            # 2025-06-09 is a Monday; the factory store has no Monday hours.
            {"starts_on": D(2025, 6, 8), "ends_on": D(2025, 6, 9), "is_open": True},
            "opens_at",
            "Give the hours: the store has no usual hours on Monday.",
        ),
    ],
)
def test_exception_field_errors(kwargs, field, message):
    fields = {"starts_on": D(2025, 6, 3), "ends_on": D(2025, 6, 3)} | kwargs
    errors = _errors(CalendarException(store=StoreFactory(), **fields))
    assert errors[field] == [message]


def test_open_exception_with_own_hours_on_a_day_without_hours_is_fine():
    exc = _exception(StoreFactory(), D(2025, 6, 9), D(2025, 6, 9), is_open=True, opens_at=T(10), closes_at=T(15))
    exc.full_clean()


def test_a_moved_closing_day_gives_the_holiday_in_japanese():
    cal = calendar_for(rules=[(MON, WeekOfMonth.EVERY, True)])
    with translation.override("ja"):
        reason = cal.closing_reason(D(2025, 11, 25))
    assert "2025年11月24日(月)" in reason and "2025-11-24" not in reason
