"""Template filters of the staff portal: dates the way Japanese front desks read them.

Japanese: 2027年4月30日(金), with the era year where the certificate shows one (令和9年).
English: Fri 30 Apr 2027. Times in Asia/Tokyo (the active time zone).
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone, translation
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import format_html

from dealers.parsing.dates import date_label, month_label
from dealers.parsing.era import era_year_label

register = template.Library()

_JA_WEEKDAYS = "月火水木金土日"


def _japanese() -> bool:
    return (translation.get_language() or "ja").startswith("ja")


def _local(value) -> dt.datetime | dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return value
    return None


def _local_day(value) -> dt.date | None:
    """The business date of a date or datetime (Asia/Tokyo for aware datetimes)."""
    local = _local(value)
    return local.date() if isinstance(local, dt.datetime) else local


@register.filter
def jdate(value) -> str:
    """2027年4月30日(金) / Fri 30 Apr 2027; "" for None."""
    return date_label(_local_day(value))


@register.filter
def jmonth(value) -> str:
    """2026年12月 / Dec 2026 (an inspection month)."""
    return month_label(_local_day(value))


@register.filter
def mdate(value) -> str:
    """Month and day for compact tables: 11月26日(木) / Thu 26 Nov."""
    day = _local_day(value)
    if day is None:
        return ""
    if _japanese():
        return f"{day.month}月{day.day}日({_JA_WEEKDAYS[day.weekday()]})"
    return f"{WEEKDAYS_ABBR[day.weekday()]} {day.day} {MONTHS_3[day.month].title()}"


@register.filter
def jdatetime(value) -> str:
    """2027年4月30日(金) 10:00 / Fri 30 Apr 2027 10:00."""
    at = _local(value)
    if not isinstance(at, dt.datetime):
        return jdate(value)
    return f"{jdate(at)} {at:%H:%M}"


@register.filter
def wareki(value) -> str:
    """The Japanese era year of a date (令和9年, 令和元年); "" outside the eras known here."""
    day = _local(value)
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = day.date()
    return era_year_label(day)


@register.filter
def percent(value) -> str:
    """0.4567 → 45.7%; None → —."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def share(part, whole) -> float:
    """part / whole as a percentage number for CSS bar widths (0 when whole is 0)."""
    try:
        return round(100 * part / whole, 1) if whole else 0.0
    except (TypeError, ValueError):
        return 0.0


@register.filter
def rate_width(value) -> str:
    """A 0–1 rate as a CSS percentage number for bar widths ("45.7"); "0" for None."""
    if value is None:
        return "0"
    return f"{max(0.0, min(1.0, value)) * 100:.1f}"


@register.filter
def lookup(mapping, key):
    """mapping[key] in a template; "" when missing."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def nobr(value) -> str:
    """A value read as one (a plate, a phone number, a chassis number, a date) that must never
    wrap across lines: <span class="nobr">…</span>, escaped; "" stays "" (so |default works)."""
    if value is None or value == "":
        return ""
    return format_html('<span class="nobr">{}</span>', value)
