"""Dates and times the way a Japanese front desk writes and reads them.

Reading (form input): `2026/12/10`, `2026-12-10`, `2026年12月10日`, `20261210`, with full-width
digits (an IME's default) and an optional weekday in brackets (`2026/12/10(木)`); times `10:30`,
`1030`, `10時30分`, `10時` on the 24-hour clock.
Showing (pages and error messages): 2026年12月10日(木) and 10:30 in Japanese; Thu 10 Dec 2026
in English. Never ISO: staff read these.
Pure: no queries; the language is Django's active one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils import timezone, translation
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR

JA_WEEKDAYS = "月火水木金土日"
# What the date fields show and the calendar button writes.
DATE_INPUT_FORMAT = "%Y/%m/%d"
TIME_INPUT_FORMAT = "%H:%M"

_WEEKDAY_SUFFIX = re.compile(r"[(（][^)）]*[)）]\s*$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_TIME_PATTERNS = (
    re.compile(r"^(\d{1,2})[:：](\d{2})$"),
    re.compile(r"^(\d{1,2})時(?:(\d{1,2})分?|半)?$"),
    re.compile(r"^(\d{2})(\d{2})$"),
)


def _clean(raw: object) -> str:
    return unicodedata.normalize("NFKC", str(raw or "")).strip().replace(" ", "")


def date_parse(raw: object) -> dt.date | None:
    """The date written in `raw`, or None when it is not one (an impossible day too)."""
    text = _WEEKDAY_SUFFIX.sub("", _clean(raw))
    for pattern in _DATE_PATTERNS:
        if match := pattern.match(text):
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


def time_parse(raw: object) -> dt.time | None:
    """The 24-hour time written in `raw` (10:30, 1030, 10時30分, 10時半), or None."""
    text = _clean(raw)
    for pattern in _TIME_PATTERNS:
        if match := pattern.match(text):
            hour = int(match.group(1))
            minute = 30 if text.endswith("半") else int(match.group(2) or 0)
            if 0 <= hour <= 23 and 0 <= minute <= 59:
                return dt.time(hour, minute)
            return None
    return None


def _japanese() -> bool:
    return (translation.get_language() or "ja").startswith("ja")


def _local(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def date_label(value: dt.date | dt.datetime | None) -> str:
    """2026年12月10日(木) / Thu 10 Dec 2026; "" for None. Aware datetimes in Japan time."""
    if value is None:
        return ""
    local = _local(value)
    day = local.date() if isinstance(local, dt.datetime) else local
    if _japanese():
        return f"{day.year}年{day.month}月{day.day}日({JA_WEEKDAYS[day.weekday()]})"
    return f"{WEEKDAYS_ABBR[day.weekday()]} {day.day} {MONTHS_3[day.month].title()} {day.year}"


def datetime_label(value: dt.datetime | None) -> str:
    """2026年12月10日(木) 10:30 / Thu 10 Dec 2026 10:30, in Japan time."""
    if value is None:
        return ""
    local = _local(value)
    return f"{date_label(local)} {local:%H:%M}"


def month_label(value: dt.date | None) -> str:
    """2026年12月 / Dec 2026."""
    if value is None:
        return ""
    if _japanese():
        return f"{value.year}年{value.month}月"
    return f"{MONTHS_3[value.month].title()} {value.year}"


def range_label(first: dt.date, last: dt.date) -> str:
    """2026年12月29日(火)〜2027年1月3日(日) (one day: just that day)."""
    if first == last:
        return date_label(first)
    return f"{date_label(first)}〜{date_label(last)}" if _japanese() else f"{date_label(first)} – {date_label(last)}"
