"""Calendar arithmetic for reading replies (pure): which day a phrase means relative to today.

Conventions (a person at the store reads so):
- a month/day already past this year is next year's, but one past by less than ROLL_DOUBT_DAYS
  is more likely a slip than a booking a year ahead (the reading is then a question);
- a bare day (「12日」) already past this month is next month's;
- a weekday alone is the next one after today; 来週 / "next week" is the week after this (weeks
  start on Monday); "next Friday" said while this week's Friday is still two days or more away
  could mean either (a question);
- an hour 1–5 without 午前/午後/am/pm is the afternoon (business hours), 9–12 the morning;
  6, 7 and 8 could be either (a question, read as 18:00, 19:00 and 08:00); 0 and 午前/午後12時 too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from enum import StrEnum

from notifications.parsing.when_words import MONTHS_EN

ROLL_DOUBT_DAYS = 60


class Doubt(StrEnum):
    """Why a reading is a question for the owner, not a booking."""

    VAGUE = "vague"  # a period ("来週", "early December"), not a day
    ROLLED = "rolled"  # a month/day just past, read as next year's
    DAY_MONTH = "day_month"  # "25/12": day first, against the Japanese month/day order
    WEEKDAY = "weekday"  # the weekday written does not match the date written
    NEXT_WEEKDAY = "next_weekday"  # "next Friday" said early in the week: this week's or next?
    OFFSET = "offset"  # "in two weeks", 「1ヶ月後」: about then, not a day chosen
    HOUR = "hour"  # 「8時」 "at 7": morning or evening?
    RANGE = "range"  # a range whose end comes before its start
_ABBREVIATION_BEFORE = re.compile(r"(?:\bthe|\bmy|\ba|\bwe|\bi|\byou|\bthey|\bhe|\bshe|\bhas|\bhave)\s+$")
_ABBREVIATION_AFTER = re.compile(
    r"\s*(?:$|[.,;:!?)/~-]|\d|(?:is|works|ok|okay|fine|at|or|and|next|please|morning|afternoon|evening|would|could)\b)"
)


def valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def full(year: int, month: int, day: int, today: dt.date) -> dt.date | None:
    found = valid(year, month, day)
    return found if found is not None and found >= today else None


def month_day(month: int, day: int, today: dt.date) -> tuple[dt.date | None, bool]:
    """This year's date, or next year's once past; True when it was past only just now."""
    this_year = valid(today.year, month, day)
    if this_year is not None and this_year >= today:
        return this_year, False
    next_year = valid(today.year + 1, month, day)
    if next_year is None:
        return None, False
    recent = this_year is not None and (today - this_year).days <= ROLL_DOUBT_DAYS
    return next_year, recent


def bare_day(day: int, today: dt.date) -> dt.date | None:
    """Day of this month, or of the next month that has it once it is past."""
    year, month = today.year, today.month
    for _ in range(3):
        found = valid(year, month, day)
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def add_months(today: dt.date, months: int, day: int | None = None) -> dt.date:
    month_index = today.month - 1 + months
    year, month = today.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day or today.day, last))


def in_month(today: dt.date, months_ahead: int, day: int) -> dt.date | None:
    """「来月25日」: day `day` of the month `months_ahead` after this one; None if no such day or past."""
    first = add_months(today.replace(day=1), months_ahead, 1)
    found = valid(first.year, first.month, day)
    return found if found is not None and found >= today else None


def weekday(number: int, week: str | None, today: dt.date) -> dt.date | None:
    monday = today - dt.timedelta(days=today.weekday())
    if week in ("来週", "next"):
        return monday + dt.timedelta(days=7 + number)
    if week == "再来週":
        return monday + dt.timedelta(days=14 + number)
    if week == "今週":
        found = monday + dt.timedelta(days=number)
        return found if found >= today else None
    ahead = (number - today.weekday()) % 7
    if week == "this":
        return today + dt.timedelta(days=ahead)
    return today + dt.timedelta(days=ahead or 7)


def next_is_unclear(number: int, today: dt.date) -> bool:
    """"next Friday" on a Tuesday: this week's Friday is still 3 days away, so either week."""
    return (number - today.weekday()) % 7 >= 2 and number > today.weekday()


def abbreviation_is_weekday(text: str, start: int, end: int, lead: str | None) -> bool:
    """"sat", "sun", "wed"… name a day only where a day fits: not "the sat nav", "we wed in June"."""
    if lead:
        return True
    before = text[max(0, start - 12) : start]
    return not _ABBREVIATION_BEFORE.search(before) and bool(_ABBREVIATION_AFTER.match(text, end, end + 12))


def week(today: dt.date, which: str | None) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    offset = {"来週": 7, "再来週": 14}.get(which or "", 0)
    start = monday + dt.timedelta(days=offset)
    return max(start, today), start + dt.timedelta(days=6)


def weekend(today: dt.date, next_week: bool) -> tuple[dt.date, dt.date]:
    saturday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=5 + (7 if next_week else 0))
    return max(saturday, today), saturday + dt.timedelta(days=1)


def _month_span(year: int, month: int, which: str | None, today: dt.date) -> tuple[dt.date, dt.date] | None:
    last = calendar.monthrange(year, month)[1]
    first_day, last_day = {"上旬": (1, 10), "中旬": (11, 20), "下旬": (21, last), "末": (25, last)}.get(which or "", (1, last))
    start, end = dt.date(year, month, first_day), dt.date(year, month, last_day)
    if end < today:
        return None
    return max(start, today), end


def month_part(today: dt.date, word: str, number: str | None, which: str | None) -> tuple[dt.date, dt.date] | None:
    """「来月上旬」「12月中」「今月末」: a span; a bare 「12月」 without 中/上旬… is not a period."""
    if number is not None:
        if which is None:
            return None
        month = int(number)
        if not 1 <= month <= 12:
            return None
        year = today.year if (month, 31) >= (today.month, today.day) else today.year + 1
        span = _month_span(year, month, which, today)
        return span or _month_span(today.year + 1, month, which, today)
    ahead = {"今月": 0, "来月": 1, "再来月": 2}[word]
    first = add_months(today.replace(day=1), ahead, 1)
    return _month_span(first.year, first.month, which, today)


def month_words(today: dt.date, phrase: str, which: str | None, month: str | None) -> tuple[dt.date, dt.date] | None:
    """"early December", "end of the month", "sometime in December", "next month"."""
    from_word = {"early": "上旬", "mid": "中旬", "late": "下旬"}.get(which or "", "末" if which else None)
    if month in (None, "month", "this month", "the month") or (month or "").startswith("the"):
        word = "来月" if "next month" in phrase else "今月"
        return month_part(today, word, None, from_word) if which or "month" in phrase else None
    if month == "next month":
        return month_part(today, "来月", None, from_word)
    return month_part(today, "", str(MONTHS_EN[month]), from_word or "中")


def clock(hour: int, minute: int, marker: str | None) -> tuple[dt.time | None, Doubt | None]:
    """A clock time and its doubt (see the module docstring)."""
    doubt = None
    if marker == "noon":
        marker = "pm"
    if marker == "pm" and hour < 12:
        hour += 12
    elif marker == "am" and hour == 12:
        hour = 0
    elif marker is None and 1 <= hour <= 7:
        hour += 12
        doubt = Doubt.HOUR if hour >= 18 else None
    elif marker is None and hour in (0, 8):
        doubt = Doubt.HOUR
    if hour > 23 or minute > 59:
        return None, None
    return dt.time(hour, minute), doubt


def after(start: dt.time, end: dt.time) -> dt.time:
    """A range's end: 「10時〜2時」 means 14:00, not 02:00."""
    if end <= start and end.hour < 12:
        return dt.time(end.hour + 12, end.minute)
    return end
