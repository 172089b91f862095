"""Dates and times in an owner's free-text reply, Japanese or English, relative to `today`.

Pure (no Django, no clock): `parse_when(text, today=...)` returns the preferred times in the
order written, e.g. 「明日の午前か、来週の火曜 10時」 → [(tomorrow, morning), (next week's
Tuesday, 10:00)]; nothing usable → [].

How: the text is normalised (NFKC: full-width digits and colons; kanji numerals before 月/日/時),
then dates, then times, then parts of day are found by patterns, each match masking its text so
a later pattern cannot reuse it. Times and parts of day attach to the date(s) before them
(「月曜か水曜の午前」 gives both days the morning); a time written before any date attaches to
the next date ("at 2:30 pm on May 12"); times without any date stand alone (date None).

Conventions: a month/day already past this year means next year; a bare day (「12日」) already
past this month means next month; a weekday on its own is the next one after today; 来週 /
"next" is the week after this (weeks start on Monday); an hour 1–7 without 午前/午後/am/pm is
taken as the afternoon (business hours); the end of a range (「10時〜12時」) is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from vehicles.parsing.preferences import PartOfDay, Preference, part_of

_KANJI = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_WEEKDAYS_JA = "月火水木金土日"
_WEEKDAYS_EN = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2, "thu": 3, "thur": 3,
    "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}
_MONTHS_EN = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH_RE = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
_WEEKDAY_EN_RE = "|".join(sorted(_WEEKDAYS_EN, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
_MASK = "\x00"


def _kanji_number(text: str) -> int | None:
    """一…九, 十, 十二, 二十, 二十三, 三十一 (enough for months, days and hours)."""
    if "十" not in text:
        return int("".join(str(_KANJI[c]) for c in text)) if all(c in _KANJI for c in text) else None
    tens, _sep, ones = text.partition("十")
    if any(c not in _KANJI for c in tens + ones) or len(tens) > 1 or len(ones) > 1:
        return None
    return (_KANJI[tens] if tens else 1) * 10 + (_KANJI[ones] if ones else 0)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("〜", "~")

    def kanji(match: re.Match) -> str:
        value = _kanji_number(match.group())
        return str(value) if value is not None else match.group()

    # Not 「一時的」「二時間」: only numbers that are a month, a day or a clock time.
    return re.sub(r"[〇一二三四五六七八九十]+(?=[月日分]|時(?![的間期]))", kanji, text)


# -- tokens ---------------------------------------------------------------------------------------


@dataclass
class _Token:
    start: int
    end: int
    kind: str  # "date", "time", "part", "skip"
    value: object = None
    weekday_only: bool = False  # a bare weekday written next to an explicit date is redundant
    part: PartOfDay | None = None  # "tonight": a date that brings its part of day


@dataclass
class _Entry:
    date: dt.date | None
    items: list[dt.time | PartOfDay] = field(default_factory=list)


def _valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_day(month: int, day: int, today: dt.date) -> dt.date | None:
    """This year's date, or next year's once it is past."""
    for year in (today.year, today.year + 1):
        found = _valid(year, month, day)
        if found is not None and found >= today:
            return found
    return None


def _bare_day(day: int, today: dt.date) -> dt.date | None:
    """Day of this month, or of the next month that has it once it is past."""
    year, month = today.year, today.month
    for _ in range(3):
        found = _valid(year, month, day)
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _full(year: int, month: int, day: int, today: dt.date) -> dt.date | None:
    found = _valid(year, month, day)
    return found if found is not None and found >= today else None


def _weekday(weekday: int, week: str | None, today: dt.date) -> dt.date | None:
    monday = today - dt.timedelta(days=today.weekday())
    if week in ("来週", "next"):
        return monday + dt.timedelta(days=7 + weekday)
    if week == "再来週":
        return monday + dt.timedelta(days=14 + weekday)
    if week == "今週":
        found = monday + dt.timedelta(days=weekday)
        return found if found >= today else None
    ahead = (weekday - today.weekday()) % 7
    if week == "this":
        return today + dt.timedelta(days=ahead)
    return today + dt.timedelta(days=ahead or 7)


def _hour_time(hour: int, minute: int, marker: str | None) -> dt.time | None:
    if marker == "pm" and hour < 12:
        hour += 12
    elif marker == "am" and hour == 12:
        hour = 0
    elif marker is None and 1 <= hour <= 7:
        hour += 12  # 「3時」 for a service visit is 15:00
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def _marker(text: str | None) -> str | None:
    if not text:
        return None
    if text in ("午前", "朝") or text.startswith("a"):
        return "am"
    return "pm"


Handler = Callable[[re.Match, dt.date], _Token | None]


def _date(value: dt.date | None, **extra) -> Callable[[re.Match], _Token]:
    return lambda m: _Token(m.start(), m.end(), "date" if value else "skip", value, **extra)


_DATE_PATTERNS: list[tuple[str, Handler]] = [
    (r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?!\d)",
     lambda m, t: _date(_full(int(m[1]), int(m[2]), int(m[3]), t))(m)),
    (r"令和\s*(\d{1,2}|元)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日",
     lambda m, t: _date(_full(2018 + (1 if m[1] == "元" else int(m[1])), int(m[2]), int(m[3]), t))(m)),
    (r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*日", lambda m, t: _date(_month_day(int(m[1]), int(m[2]), t))(m)),
    (r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])", lambda m, t: _date(_month_day(int(m[1]), int(m[2]), t))(m)),
    (rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}}){_ORD}\b(?:,?\s*(\d{{4}})\b)?",
     lambda m, t: _date(_full(int(m[3]), _MONTHS_EN[m[1]], int(m[2]), t) if m[3] else _month_day(_MONTHS_EN[m[1]], int(m[2]), t))(m)),
    (rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_MONTH_RE})\b\.?(?:,?\s*(\d{{4}})\b)?",
     lambda m, t: _date(_full(int(m[3]), _MONTHS_EN[m[2]], int(m[1]), t) if m[3] else _month_day(_MONTHS_EN[m[2]], int(m[1]), t))(m)),
    (r"しあさって|明々後日|明明後日", lambda m, t: _date(t + dt.timedelta(days=3))(m)),
    (r"明後日|あさって|(?:the\s+)?day\s+after\s+tomorrow", lambda m, t: _date(t + dt.timedelta(days=2))(m)),
    (r"明日|あした|tomorrow", lambda m, t: _date(t + dt.timedelta(days=1))(m)),
    (r"今夜|今晩|tonight", lambda m, t: _date(t, part=PartOfDay.EVENING)(m)),
    (r"今日|本日|きょう|\btoday\b", lambda m, t: _date(t)(m)),
    (r"(\d{1,2})\s*日後|\bin\s+(\d{1,2})\s+days?\b", lambda m, t: _date(t + dt.timedelta(days=int(m[1] or m[2])))(m)),
    (rf"(再来週|来週|今週)?\s*の?\s*([{_WEEKDAYS_JA}])曜日?",
     lambda m, t: _date(_weekday(_WEEKDAYS_JA.index(m[2]), m[1], t), weekday_only=not m[1])(m)),
    (rf"[(]\s*([{_WEEKDAYS_JA}]|{_WEEKDAY_EN_RE})\.?\s*[)]", lambda m, t: _Token(m.start(), m.end(), "skip")),
    (rf"\b(?:(next|this|coming)\s+(?:week\s+)?(?:on\s+)?)?({_WEEKDAY_EN_RE})\b\.?(\s+next\s+week)?",
     lambda m, t: _date(
         _weekday(_WEEKDAYS_EN[m[2]], "next" if m[1] == "next" or m[3] else ("this" if m[1] == "this" else None), t),
         weekday_only=not (m[1] or m[3]),
     )(m)),
    (r"(?<![\d/])(\d{1,2})\s*日(?!\s*(?:中|間|後|前|以内|おき|ぶり|目))", lambda m, t: _date(_bare_day(int(m[1]), t))(m)),
    (r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b", lambda m, t: _date(_bare_day(int(m[1]), t))(m)),
]

_AMPM = r"(a\.?m\.?|p\.?m\.?)(?![a-z])"
_TIME_PATTERNS: list[tuple[str, Handler]] = [
    (r"正午|\bnoon\b|\bmidday\b", lambda m, t: _Token(m.start(), m.end(), "time", dt.time(12))),
    (r"(午前|午後|朝|夕方|夜|昼)?\s*の?\s*(\d{1,2})\s*時(?![的間期])\s*(?:(半)|(\d{1,2})\s*分)?",
     lambda m, t: _time(m, int(m[2]), 30 if m[3] else int(m[4] or 0), _marker(m[1]))),
    (r"(午前|午後)\s*(\d{1,2}):(\d{2})", lambda m, t: _time(m, int(m[2]), int(m[3]), _marker(m[1]))),
    (rf"(?<![\d:])(\d{{1,2}}):(\d{{2}})(?!\d)(?:\s*{_AMPM})?", lambda m, t: _time(m, int(m[1]), int(m[2]), _marker(m[3]))),
    (rf"(?<![\d:])(\d{{1,2}})\s*{_AMPM}", lambda m, t: _time(m, int(m[1]), 0, _marker(m[2]))),
    (r"\bat\s+(\d{1,2})(?:\s*o'?clock)?(?![\d:])|(?<!\d)(\d{1,2})\s*o'?clock",
     lambda m, t: _time(m, int(m[1] or m[2]), 0, None)),
]

_PART_PATTERNS: list[tuple[str, PartOfDay]] = [
    (r"午前中|午前|朝一|朝|\bmorning\b", PartOfDay.MORNING),
    (r"午後|昼過ぎ|昼から|お昼|昼|\bafternoon\b", PartOfDay.AFTERNOON),
    (r"夕方|夜|晩|\bevening\b|\bnight\b|after\s+work", PartOfDay.EVENING),
]

_GROUP_GAP = re.compile(r"^(?:\s|[、,・/&]|か|or|and|または|もしくは|と|や|の|on)*$")
_RANGE_GAP = re.compile(r"^\s*(?:~|-|–|から|to|until|till)\s*$")
_BESIDE_GAP = re.compile(r"^[\s()、,]*$")


def _time(m: re.Match, hour: int, minute: int, marker: str | None) -> _Token:
    value = _hour_time(hour, minute, marker)
    return _Token(m.start(), m.end(), "time" if value else "skip", value)


def _part_handler(part: PartOfDay) -> Handler:
    return lambda m, _today: _Token(m.start(), m.end(), "part", part)


def _scan(text: str, today: dt.date) -> list[_Token]:
    work = text
    tokens: list[_Token] = []

    def take(pattern: str, handler: Handler) -> None:
        nonlocal work
        for match in list(re.finditer(pattern, work)):
            if _MASK in match.group():
                continue
            token = handler(match, today)
            if token is not None:
                tokens.append(token)
                work = work[: match.start()] + _MASK * (match.end() - match.start()) + work[match.end():]

    for pattern, handler in _DATE_PATTERNS + _TIME_PATTERNS:
        take(pattern, handler)
    for pattern, part in _PART_PATTERNS:
        take(pattern, _part_handler(part))
    return sorted((t for t in tokens if t.kind != "skip"), key=lambda t: t.start)


def _add(entry: _Entry, item: dt.time | PartOfDay) -> None:
    # 「午前、10時」: the time says more than the part of day it falls in.
    if isinstance(item, dt.time) and entry.items and entry.items[-1] == part_of(item):
        entry.items[-1] = item
    elif item not in entry.items:
        entry.items.append(item)


def _assemble(text: str, tokens: list[_Token]) -> list[_Entry]:
    entries: list[_Entry] = []
    group: list[_Entry] = []
    pending: list[dt.time | PartOfDay] = []
    previous: _Token | None = None
    for token in tokens:
        gap = text[previous.end : token.start] if previous else ""
        if token.kind == "date":
            beside_date = previous is not None and previous.kind == "date" and not previous.weekday_only
            if token.weekday_only and beside_date and _BESIDE_GAP.match(gap):
                continue  # 「3月10日(火曜)」: the weekday only repeats the date
            entry = _Entry(token.value)  # type: ignore[arg-type]
            joins = group and not any(e.items for e in group) and _GROUP_GAP.match(gap)
            group = [*group, entry] if joins else [entry]
            for item in ([token.part] if token.part else []) + pending:
                _add(entry, item)
            pending = []
            entries.append(entry)
        elif previous is not None and previous.kind == "time" and token.kind == "time" and _RANGE_GAP.match(gap):
            continue  # 「10時〜12時」: the visit starts at the first
        elif group:
            for entry in group:
                _add(entry, token.value)  # type: ignore[arg-type]
        else:
            pending.append(token.value)  # type: ignore[arg-type]
        previous = token
    if pending:
        entries.append(_Entry(None, pending))
    return entries


def parse_when(text: str, *, today: dt.date) -> list[Preference]:
    """Preferred times found in `text`, in order, without repeats."""
    normalised = normalise(text or "")
    found: list[Preference] = []
    for entry in _assemble(normalised, _scan(normalised, today)):
        items: list[dt.time | PartOfDay | None] = [*entry.items] or [None]
        for item in items:
            preference = Preference(
                date=entry.date,
                time=item if isinstance(item, dt.time) else None,
                part=item if isinstance(item, PartOfDay) else None,
            )
            if preference not in found:
                found.append(preference)
    return found
