"""Dates in the reader's language: 2027年5月31日 / 31 May 2027."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import translation
from django.utils.dates import MONTHS

register = template.Library()


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value[:10])
    return None


def _japanese() -> bool:
    return (translation.get_language() or "ja").startswith("ja")


@register.filter
def jdate(value) -> str:
    day = _as_date(value)
    if day is None:
        return ""
    if _japanese():
        return f"{day.year}年{day.month}月{day.day}日"
    with translation.override("en"):
        return f"{day.day} {MONTHS[day.month]} {day.year}"


@register.filter
def jmonth(value) -> str:
    day = _as_date(value)
    if day is None:
        return ""
    if _japanese():
        return f"{day.year}年{day.month}月"
    with translation.override("en"):
        return f"{MONTHS[day.month]} {day.year}"
