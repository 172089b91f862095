"""Appointment times in the reader's language and in Japan time: 2026年3月10日(火) 10:00 /
Tue 10 March 2026, 10:00. Accepts datetimes or the ISO strings frozen on notices."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import translation
from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _

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


def _day(value: str) -> str:
    day = dt.date.fromisoformat(value)
    if (translation.get_language() or "ja").startswith("ja"):
        return f"{day.month}月{day.day}日({_WEEKDAYS_JA[day.weekday()]})"
    with translation.override("en"):
        return f"{WEEKDAYS_ABBR[day.weekday()]} {day.day} {MONTHS[day.month]}"


def _part(value: str) -> str:
    return str({"morning": _("morning (AM)"), "afternoon": _("afternoon (PM)"), "evening": _("evening")}[value])


def _point(item: dict) -> list[str]:
    words = [_day(item["date"])] if item.get("date") else []
    if item.get("time"):
        words.append(item["time"])
    elif item.get("part"):
        words.append(_part(item["part"]))
    return words


def _reading(data: dict, *, mark_unsure: bool = False) -> str:
    start, end = data.get("start") or {}, data.get("end")
    text = " ".join(_point(start))
    if end:
        same_day = end.get("date") == start.get("date")
        tail = " ".join(_point({**end, "date": None} if same_day else end))
        text = f"{text}〜{tail}" if (translation.get_language() or "ja").startswith("ja") else f"{text} – {tail}"
    if mark_unsure and not data.get("sure", True):
        unsure = _("to be confirmed")  # outside the f-string, where makemessages finds it
        text = f"{text} ({unsure})"
    return text


@register.filter
def readings(value, audience: str = "owner") -> str:
    """What the parser read in a reply (notifications.parsing.when.Reading as JSON), in words:
    「12月25日(金) 午前」, 「12月1日(火)〜12月5日(土)」 / "Fri 25 December morning"; for staff
    (`readings:"staff"`) an unsure reading says it is to be confirmed."""
    items = [_reading(item, mark_unsure=audience == "staff") for item in (value or []) if isinstance(item, dict)]
    joiner = "、" if (translation.get_language() or "ja").startswith("ja") else "; "
    return joiner.join(item for item in items if item)


def _clock(at: dt.datetime) -> str:
    if (translation.get_language() or "ja").startswith("ja"):
        return f"{at.hour}時" if at.minute == 0 else f"{at.hour}時{at.minute}分"
    return f"{at:%H:%M}"


@register.filter
def beside(value, other) -> str:
    """A time said beside another (the asked and the held time, issue 16): the clock alone when
    both are on the same day (「10時」, 「10時30分」 / "10:00"), with the day when not."""
    at, then = _as_datetime(value), _as_datetime(other)
    if at is None:
        return ""
    if then is not None and then.date() == at.date():
        return _clock(at)
    return f"{_day(at.date().isoformat())} {_clock(at)}"
