"""Appointment times in the reader's language and in Japan time: 2026年3月10日(火) 10:00 /
Tue 10 March 2026, 10:00. Accepts datetimes or the ISO strings frozen on notices."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import translation
from django.utils.dates import MONTHS, WEEKDAYS_ABBR

from dealers.selectors.calendar import BUSINESS_TZ

register = template.Library()
_WEEKDAYS_JA = "月火水木金土日"


def _as_datetime(value) -> dt.datetime | None:
    if isinstance(value, str) and value:
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(BUSINESS_TZ)
    return None


@register.filter
def jdatetime(value) -> str:
    at = _as_datetime(value)
    if at is None:
        return ""
    if (translation.get_language() or "ja").startswith("ja"):
        return f"{at.year}年{at.month}月{at.day}日({_WEEKDAYS_JA[at.weekday()]}) {at:%H:%M}"
    with translation.override("en"):
        return f"{WEEKDAYS_ABBR[at.weekday()]} {at.day} {MONTHS[at.month]} {at.year}, {at:%H:%M}"
