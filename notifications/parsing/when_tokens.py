"""Tokens of a reply's dates and times: one pass of one combined regular expression (linear).

Each pattern is an alternative of `SCANNER`, tried in the order listed at each position; the
leftmost match wins and nothing is read twice (the old parser masked its working string once per
match, which was quadratic). A handler turns a match into a `Token`: a day, a period (vague), a
time (or a time range), a part of day, or "skip" (words that look like dates but are not: "2日
くらい", "3 days ago", "yesterday", "sat nav"), each with the doubt that makes it a question.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from notifications.parsing import when_days as days
from notifications.parsing.when_days import Doubt
from notifications.parsing.when_words import (
    FULL_WEEKDAYS,
    MONTH_RE,
    MONTHS_EN,
    ORD,
    WEEKDAY_EN_RE,
    WEEKDAYS_EN,
    WEEKDAYS_JA,
)
from vehicles.parsing.preferences import PartOfDay


@dataclass
class Token:
    start: int
    end: int
    kind: str  # "date", "period", "time", "part", "skip"
    day: dt.date | None = None
    last_day: dt.date | None = None  # a period's last day, or the end of a range written as one token
    time: dt.time | None = None
    end_time: dt.time | None = None
    part: PartOfDay | None = None
    doubt: Doubt | None = None
    weekday: int | None = None  # a weekday named (ranges and 「(土)」 checks use it)
    weekday_only: bool = False  # a bare weekday: beside an explicit date it only repeats it
    bare_day: int | None = None  # 「5日」 "the 5th": a range end takes its month from the start
    hour: int | None = None  # an unmarked clock hour: a part of day may still settle it
    minute: int = 0
    marker: str | None = None  # "am" / "pm" when written


Handler = Callable[[re.Match[str], dt.date, str], "Token | list[Token] | None"]


def _skip(m: re.Match[str], *_: object) -> Token:
    return Token(m.start(), m.end(), "skip")


def _day(m: re.Match[str], value: dt.date | None, doubt: Doubt | None = None, **extra: object) -> Token:
    return Token(m.start(), m.end(), "date" if value else "skip", day=value, doubt=doubt if value else None, **extra)  # type: ignore[arg-type]


def _period(m: re.Match[str], span: tuple[dt.date, dt.date] | None, part: PartOfDay | None = None) -> Token:
    if span is None:
        return _skip(m)
    return Token(m.start(), m.end(), "period", day=span[0], last_day=span[1], doubt=Doubt.VAGUE, part=part)


def _rolled(m: re.Match[str], month: int, day: int, today: dt.date, **extra: object) -> Token:
    value, rolled = days.month_day(month, day, today)
    return _day(m, value, Doubt.ROLLED if rolled else None, **extra)


def _time(m: re.Match[str], hour: int, minute: int, marker: str | None) -> Token:
    value, doubt = days.clock(hour, minute, marker)
    if value is None:
        return _skip(m)
    return Token(m.start(), m.end(), "time", time=value, doubt=doubt, hour=hour if marker is None else None,
                 minute=minute, marker=marker)


def _time_range(m: re.Match[str], first: tuple[int, int, str | None], last: tuple[int, int, str | None]) -> Token:
    (h1, m1, a1), (h2, m2, a2) = first, last
    if a1 is None and a2 is not None and h1 <= h2 and not (a2 == "pm" and h2 == 12):
        a1 = a2  # "1-3pm": the start shares the end's half of the day
    start, doubt1 = days.clock(h1, m1, a1)
    end, doubt2 = days.clock(h2, m2, a2 or a1)
    if start is None or end is None:
        return _skip(m)
    end = days.after(start, end)
    return Token(m.start(), m.end(), "time", time=start, end_time=end, doubt=doubt1 or doubt2, marker=a1)


def _marker(word: str | None) -> str | None:
    if not word:
        return None
    return "am" if word in ("午前", "朝", "am", "morning") else "pm"


def _weekday_en(m: re.Match[str], today: dt.date, text: str) -> Token | None:
    word, lead, trail = m.group(2), m.group(1), m.group(3)
    if word not in FULL_WEEKDAYS and not days.abbreviation_is_weekday(text, m.start(2), m.end(), lead):
        return _skip(m)
    weekday = WEEKDAYS_EN[word]
    week = "next" if lead == "next" or trail else ("this" if lead in ("this", "coming") else None)
    value = days.weekday(weekday, week, today)
    doubt = Doubt.NEXT_WEEKDAY if lead == "next" and not trail and days.next_is_unclear(weekday, today) else None
    return _day(m, value, doubt, weekday=weekday, weekday_only=not (lead or trail))


def _md_en(m: re.Match[str], today: dt.date, month: int, day: int, year: str | None, until: str | None) -> Token:
    token = _day(m, days.full(int(year), month, day, today)) if year else _rolled(m, month, day, today)
    if until and token.day:
        token.last_day = days.valid(token.day.year, token.day.month, int(until))
    return token


def _slash(m: re.Match[str], today: dt.date, _text: str) -> Token:
    first, second = int(m[1]), int(m[2])
    if first <= 12:
        return _rolled(m, first, second, today)
    value, _rolled_over = days.month_day(second, first, today)
    return _day(m, value, Doubt.DAY_MONTH)


def _offset_weeks(m: re.Match[str], today: dt.date, count: int, weekday: int | None) -> Token:
    target = today + dt.timedelta(weeks=count)
    if weekday is not None:
        monday = target - dt.timedelta(days=target.weekday())
        return _day(m, monday + dt.timedelta(days=weekday))
    return _day(m, target, Doubt.OFFSET)


def _ja_time(m: re.Match[str], _today: dt.date, _text: str) -> Token:
    hour, minute = int(m[2]), 30 if m[3] else int(m[4] or 0)
    marker = {"昼": "noon", "深夜": "am" if hour <= 5 else None}.get(m[1] or "", _marker(m[1]))
    token = _time(m, hour, minute, marker)
    if m[1] in ("午前", "午後", "夜") and hour == 12 and token.kind == "time":
        token.doubt = Doubt.HOUR  # 午前12時 / 午後12時 / 夜12時: noon or midnight, people write both
    return token


def _weekday_in_brackets(m: re.Match[str], today: dt.date) -> Token:
    """「(土)」: after a date it only repeats it (checked); on its own it names the day."""
    number = WEEKDAYS_JA.index(m[1]) if m[1] in WEEKDAYS_JA else WEEKDAYS_EN[m[1]]
    return Token(m.start(), m.end(), "skip", day=days.weekday(number, None, today), weekday=number, weekday_only=True)


def _count(word: str | None) -> int:
    return 1 if word in (None, "a", "an") else int(word)  # type: ignore[arg-type]


_WD = f"[{WEEKDAYS_JA}]"
_NOT_A_DAY = r"(?!\s*(?:中|間|後|前|以内|おき|ぶり|目|くらい|ぐらい|ほど|程度|も|分|で終わ|で済|で出来|でで|\d{1,3}\s*回))"
_J = r"\s*"

PATTERNS: list[tuple[str, Handler]] = [
    # -- words that look like dates but are not ---------------------------------------------
    (r"(\d{1,3})\s*(?:日|週間|[ヶか箇カケ]月|時間|分|年)\s*(?:間|くらい|ぐらい|ほど|程度|前|以内|おき|ぶり|目|ごと|毎|も|で終わ|で済|かか)", _skip),
    (r"\b(?:\d{1,3}|a|an)\s+(?:days?|weeks?|months?|hours?|minutes?|mins?|years?)\s+(?:ago|old|before)\b", _skip),
    (r"\b(?:for|within|about|takes?|every)\s+(?:\d{1,3}|a|an)\s+(?:days?|weeks?|months?|hours?|minutes?|years?)\b", _skip),
    (rf"深夜(?!\s*\d{{1,2}}\s*時)|昨日|一昨日|おととい|先週の?\s*{_WD}曜日?|先週|先月|\byesterday\b|\blast\s+(?:week|month|{WEEKDAY_EN_RE})\b", _skip),
    (r"\d\s*/\s*\d\s*(?:tank|タンク)|\b\d+w-\d+|\d{2,4}-\d{3,4}-\d{4}|\d{3}-\d{4}", _skip),
    # -- days written out ---------------------------------------------------------------------
    (r"(?<!\d)(\d{4})\s*[-/.・年]\s*(\d{1,2})\s*[-/.・月]\s*(\d{1,2})\s*日?(?!\d)",
     lambda m, t, _s: _day(m, days.full(int(m[1]), int(m[2]), int(m[3]), t))),
    (r"(?:令和|(?<![a-z])r)\s*(\d{1,2}|元)\s*[年/.]\s*(\d{1,2})\s*[月/.]\s*(\d{1,2})\s*日?(?!\d)",
     lambda m, t, _s: _day(m, days.full(2018 + (1 if m[1] == "元" else int(m[1])), int(m[2]), int(m[3]), t))),
    (r"(来年|今年)の?\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日",
     lambda m, t, _s: _day(m, days.full(t.year + (m[1] == "来年"), int(m[2]), int(m[3]), t))),
    (r"(再来月|来月|今月)の?\s*(\d{1,2})\s*日" + _NOT_A_DAY,
     lambda m, t, _s: _day(m, days.in_month(t, {"今月": 0, "来月": 1, "再来月": 2}[m[1]], int(m[2])))),
    (r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*日", lambda m, t, _s: _rolled(m, int(m[1]), int(m[2]), t)),
    (r"(?<![\d/.:])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])", _slash),
    (rf"\bnext\s+month\s+(?:on\s+)?the\s+(\d{{1,2}}){ORD}\b|\bthe\s+(\d{{1,2}}){ORD}\s+of\s+next\s+month\b",
     lambda m, t, _s: _day(m, days.in_month(t, 1, int(m[1] or m[2])))),
    (rf"\b({MONTH_RE})\.?\s+(\d{{1,2}}){ORD}\b(?:\s*(?:-|~|to|through|until|till)\s*(\d{{1,2}}){ORD}\b(?!\s*(?:am|pm|:|o'?clock)))?(?:,?\s*(\d{{4}})\b)?",
     lambda m, t, _s: _md_en(m, t, MONTHS_EN[m[1]], int(m[2]), m[4], m[3])),
    (rf"\b(?:the\s+)?(\d{{1,2}}){ORD}\s+(?:of\s+)?({MONTH_RE})\b\.?(?:,?\s*(\d{{4}})\b)?",
     lambda m, t, _s: _md_en(m, t, MONTHS_EN[m[2]], int(m[1]), m[3], None)),
    # -- days said relative to today ----------------------------------------------------------
    (r"しあさって|明々後日|明明後日", lambda m, t, _s: _day(m, t + dt.timedelta(days=3))),
    (r"明後日|あさって|(?:the\s+)?day\s+after\s+tomorrow|(?<=or )the\s+day\s+after\b", lambda m, t, _s: _day(m, t + dt.timedelta(days=2))),
    (r"明日|あした|\btomorrow\b", lambda m, t, _s: _day(m, t + dt.timedelta(days=1))),
    (r"今夜|今晩|\btonight\b|\bthis\s+evening\b", lambda m, t, _s: _day(m, t, part=PartOfDay.EVENING)),
    (r"\bthis\s+afternoon\b", lambda m, t, _s: _day(m, t, part=PartOfDay.AFTERNOON)),
    (r"\bthis\s+morning\b", lambda m, t, _s: _day(m, t, part=PartOfDay.MORNING)),
    (r"今日|本日|きょう|\btoday\b", lambda m, t, _s: _day(m, t)),
    (r"(\d{1,3})\s*日後|\bin\s+(\d{1,3})\s+days?\b|\b(\d{1,3})\s+days?\s+from\s+(?:now|today)\b",
     lambda m, t, _s: _day(m, t + dt.timedelta(days=int(m[1] or m[2] or m[3])))),
    (rf"(\d{{1,2}})\s*週間後(?:の\s*({_WD})曜日?)?|\bin\s+(\d{{1,2}}|a)\s+weeks?(?:\s+on\s+({WEEKDAY_EN_RE}))?\b|\b(\d{{1,2}}|a)\s+weeks?\s+from\s+(?:now|today)\b",
     lambda m, t, _s: _offset_weeks(
         m, t, _count(m[1] or m[3] or m[5]),
         WEEKDAYS_JA.index(m[2]) if m[2] else (WEEKDAYS_EN[m[4]] if m[4] else None))),
    (r"(\d{1,2})\s*[ヶか箇カケ]月後|\bin\s+(\d{1,2}|a)\s+months?\b|\b(\d{1,2}|a)\s+months?\s+from\s+(?:now|today)\b",
     lambda m, t, _s: _day(m, days.add_months(t, _count(m[1] or m[2] or m[3])), Doubt.OFFSET)),
    # -- weekdays -------------------------------------------------------------------------------
    (r"土日", lambda m, t, _s: [
        Token(m.start(), m.start() + 1, "date", day=days.weekday(5, None, t), weekday=5, weekday_only=True),
        Token(m.start() + 1, m.end(), "date", day=days.weekday(6, None, t), weekday=6, weekday_only=True),
    ]),
    (rf"(再来週|来週|今週)?\s*の?\s*({_WD})曜日?",
     lambda m, t, _s: _day(m, days.weekday(WEEKDAYS_JA.index(m[2]), m[1], t), weekday=WEEKDAYS_JA.index(m[2]),
                           weekday_only=not m[1])),
    (rf"[(]\s*({_WD}|{WEEKDAY_EN_RE})\.?\s*[)]",
     lambda m, t, _s: _weekday_in_brackets(m, t)),
    (rf"\b(?:(next|this|coming|on)\s+(?:week\s+)?(?:on\s+)?)?({WEEKDAY_EN_RE})\b\.?(\s+next\s+week)?", _weekday_en),
    # -- periods (vague) ------------------------------------------------------------------------
    (r"(来週|今週)?末|週末", lambda m, t, _s: _period(m, days.weekend(t, m[1] == "来週"))),
    (r"(再来週|来週|今週)(?:中|あたり|いっぱい)?", lambda m, t, _s: _period(m, days.week(t, m[1]))),
    (r"(再来月|来月|今月|(\d{1,2})\s*月)\s*(上旬|中旬|下旬|末|中|のどこか|いっぱい)?",
     lambda m, t, _s: _period(m, days.month_part(t, m[1], m[2], m[3]))),
    (r"月末", lambda m, t, _s: _period(m, days.month_part(t, "今月", None, "末"))),
    (r"年内", lambda m, t, _s: _period(m, (t, dt.date(t.year, 12, 31)))),
    (r"\b(?:the\s+)?week\s+after\s+next\b", lambda m, t, _s: _period(m, days.week(t, "再来週"))),
    (r"\b(next|this)\s+week(?:end)?\b|\bthe\s+weekend\b",
     lambda m, t, _s: _period(m, days.weekend(t, m[1] == "next") if m[0].endswith("end") else days.week(t, "来週" if m[1] == "next" else "今週"))),
    (rf"\b(?:(early|mid|late|end\s+of)[\s-]+(?:the\s+)?({MONTH_RE}|month|next\s+month|this\s+month)|(?:sometime\s+)?in\s+({MONTH_RE})|next\s+month|this\s+month)\b",
     lambda m, t, _s: _period(m, days.month_words(t, m[0], m[1], m[2] or m[3]))),
    # -- bare days ------------------------------------------------------------------------------
    (r"(?<![\d/.])(\d{1,2})\s*日" + _NOT_A_DAY,
     lambda m, t, _s: _day(m, days.bare_day(int(m[1]), t), bare_day=int(m[1]))),
    (rf"\bthe\s+(\d{{1,2}}){ORD[:-1]}\b", lambda m, t, _s: _day(m, days.bare_day(int(m[1]), t), bare_day=int(m[1]))),
    # -- times ----------------------------------------------------------------------------------
    (r"\bbetween\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s+and\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?(?![\d/])",
     lambda m, t, _s: _time_range(m, (int(m[1]), int(m[2] or 0), m[3]), (int(m[4]), int(m[5] or 0), m[6]))),
    (r"\bfrom\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s+(?:to|until|till|-)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?(?![\d/])",
     lambda m, t, _s: _time_range(m, (int(m[1]), int(m[2] or 0), m[3]), (int(m[4]), int(m[5] or 0), m[6]))),
    (r"(?<![\d:/.])(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*[-~]\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b",
     lambda m, t, _s: _time_range(m, (int(m[1]), int(m[2] or 0), m[3]), (int(m[4]), int(m[5] or 0), m[6]))),
    (r"(?<![\d:])(\d{1,2}):(\d{2})\s*[-~]\s*(\d{1,2}):(\d{2})(?!\d)",
     lambda m, t, _s: _time_range(m, (int(m[1]), int(m[2]), None), (int(m[3]), int(m[4]), None))),
    (r"(?<![\d:])(\d{1,2})\s*~\s*(\d{1,2})\s*時(?![的間期])",
     lambda m, t, _s: _time_range(m, (int(m[1]), 0, None), (int(m[2]), 0, None))),
    (r"正午|\bnoon\b|\bmidday\b", lambda m, t, _s: _time(m, 12, 0, "pm")),
    (r"(午前|午後|深夜|朝|夕方|夜|昼|am|pm)?\s*の?\s*(\d{1,2})\s*時(?![的間期])\s*(?:(半)|(\d{1,2})\s*分)?", _ja_time),
    (r"(午前|午後)\s*(\d{1,2}):(\d{2})", lambda m, t, _s: _time(m, int(m[2]), int(m[3]), _marker(m[1]))),
    (r"(?<![\d:])(\d{1,2})[:.](\d{2})\s*(am|pm)\b", lambda m, t, _s: _time(m, int(m[1]), int(m[2]), m[3])),
    (r"(?<![\d:.])(\d{1,2}):(\d{2})(?!\d)", lambda m, t, _s: _time(m, int(m[1]), int(m[2]), None)),
    (r"(?<![\d:])(\d{1,2})\s*(am|pm)\b", lambda m, t, _s: _time(m, int(m[1]), 0, m[2])),
    (r"\b(\d{1,2})\s+in\s+the\s+(morning|afternoon|evening)\b", lambda m, t, _s: _time(m, int(m[1]), 0, _marker(m[2]))),
    (r"\bat\s+(\d{1,2})(?:\s*o'?clock)?(?![\d:/]|\s*[ap]m\b)|(?<!\d)(\d{1,2})\s*o'?clock",
     lambda m, t, _s: _time(m, int(m[1] or m[2]), 0, None)),
    # -- parts of day ---------------------------------------------------------------------------
    (r"午前中|午前|朝一|朝|\bmorning\b|\b(?:first|1st)\s+thing\b", lambda m, t, _s: Token(m.start(), m.end(), "part", part=PartOfDay.MORNING)),
    (r"午後|昼過ぎ|昼から|お昼|昼|\bafternoon\b", lambda m, t, _s: Token(m.start(), m.end(), "part", part=PartOfDay.AFTERNOON)),
    (r"夕方|夜|晩|仕事帰り|\bevening\b|\bnight\b|\bafter\s+work\b",
     lambda m, t, _s: Token(m.start(), m.end(), "part", part=PartOfDay.EVENING)),
]

SCANNER = re.compile("|".join(f"(?P<p{i}>{pattern})" for i, (pattern, _h) in enumerate(PATTERNS)))
_ONE = [re.compile(pattern) for pattern, _h in PATTERNS]


def tokens(text: str, today: dt.date) -> list[Token]:
    """The tokens of normalised `text`, in order; each pattern's own groups are read by matching it
    alone at the combined match's start (constant extra work per token)."""
    found: list[Token] = []
    for combined in SCANNER.finditer(text):
        index = int(combined.lastgroup[1:])  # type: ignore[index]
        match = _ONE[index].match(text, combined.start(), combined.end())
        token = PATTERNS[index][1](match, today, text) if match else None
        if isinstance(token, list):
            found.extend(token)
        elif token is not None:
            found.append(token)
    return found
