"""Dates and times in an owner's free-text reply, Japanese or English, read as a person would.

Pure (no Django, no clock). `read_when(text, today=...)` returns `Reading`s in the order written:
each a start (a `Preference`: a day, and a time or a part of day), an end when the owner gave a
range or a period (「12/1〜12/5」, 「10時から12時」, 「来週」), and a `doubt` when the parser is
not sure (`Reading.sure` is False): the reply flow then asks the owner instead of booking.
E.g. 「明日の午前か、来週の火曜 10時」 → [tomorrow morning, next week's Tuesday 10:00];
「8時」 → 08:00, unsure (morning or evening?); 「来月」 → December 1–31, unsure (a period).

How: the text is capped at MAX_INPUT characters and normalised (notifications.parsing.when_words),
read into tokens in one pass (notifications.parsing.when_tokens), and the tokens assembled here in
one pass: a time or part of day attaches to the day(s) before it (「月曜か水曜の午前」 gives both
days the morning), or to the next day when written first ("at 2:30 pm on Dec 5"); "~", から, "to",
"between … and" make a range; a day followed by 「は無理」「はダメ」"is not possible", or after
"not"/"except", is dropped. Linear in the text; at most MAX_READINGS readings.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any

from notifications.parsing import when_days as days
from notifications.parsing.when_days import Doubt
from notifications.parsing.when_tokens import Token, tokens
from notifications.parsing.when_words import normalise
from vehicles.parsing.preferences import PartOfDay, Preference, part_of

__all__ = ["MAX_INPUT", "Doubt", "Reading", "bookable", "parse_when", "read_when"]

MAX_INPUT = 4000  # characters read: as many as a reply keeps (quotes.MAX_TEXT; the API takes 2,000)
MAX_READINGS = 10

_GROUP_GAP = re.compile(r"(?:\s|[、,・/&]|か|or|and|または|もしくは|と|や|の|on)*")
_RANGE_GAP = re.compile(r"\s*(?:~|-|から同?|to|until|till|through|thru)\s*")
_BESIDE_GAP = re.compile(r"[\s()、,]*")
_NEGATED_AFTER = re.compile(
    r"(?:\s*(?:は|が|も))?\s*(?:無理|ダメ|だめ|駄目|難しい|都合が悪|仕事|行けない|いけない|不可|都合がつかない|埋まって|以外"
    r"|is\s+not|isn'?t|is\s+no\s+good|won'?t\s+work|doesn'?t\s+work|is\s+bad|is\s+out)"
)
_NEGATED_BEFORE = re.compile(r"(?:\bnot|\bcan'?t\s+do|\bcannot\s+do|\bcan'?t\s+make|\bexcept|\bbut\s+not)\s+$")


@dataclass(frozen=True)
class Reading:
    """One thing the owner asked for: a day and time (or part of day), maybe up to an end."""

    start: Preference
    end: Preference | None = None
    doubt: Doubt | None = None

    @property
    def sure(self) -> bool:
        return self.doubt is None

    @property
    def vague(self) -> bool:
        return self.doubt == Doubt.VAGUE

    @property
    def preference(self) -> Preference:
        """The reading as one bookable preference: a range keeps its end (the first free slot in it)."""
        start, end = self.start, self.end
        if end is None:
            return start
        end_date = end.date if end.date is not None and start.date is not None and end.date > start.date else None
        end_time = end.time if end.time is not None and start.time is not None and end.time > start.time else None
        return Preference(date=start.date, time=start.time, part=start.part, end_date=end_date, end_time=end_time)

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.as_json(), "end": self.end.as_json() if self.end else None,
            "sure": self.sure, "doubt": self.doubt.value if self.doubt else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reading:
        end = data.get("end")
        return cls(
            start=Preference.from_json(data["start"]), end=Preference.from_json(end) if end else None,
            doubt=Doubt(data["doubt"]) if data.get("doubt") else None,
        )


@dataclass
class _Item:
    time: dt.time | None = None
    part: PartOfDay | None = None
    end_time: dt.time | None = None
    doubt: Doubt | None = None
    hour: int | None = None  # unmarked hour, still open to a part of day
    minute: int = 0


@dataclass
class _Entry:
    token: Token
    day: dt.date | None
    last_day: dt.date | None = None
    doubt: Doubt | None = None
    items: list[_Item] = field(default_factory=list)


def _item(token: Token) -> _Item:
    if token.kind == "part":
        return _Item(part=token.part)
    return _Item(time=token.time, end_time=token.end_time, doubt=token.doubt, hour=token.hour, minute=token.minute)


def _settled(item: _Item, part: PartOfDay) -> _Item:
    """An unmarked hour read in the light of a part of day (「今夜9時」 → 21:00)."""
    if item.hour is None or item.time is None:
        return item
    value, _doubt = days.clock(item.hour, item.minute, "am" if part == PartOfDay.MORNING else "pm")
    return replace(item, time=value, doubt=None, hour=None) if value is not None else item


def _add(entry: _Entry, item: _Item) -> None:
    last = entry.items[-1] if entry.items else None
    if item.time is not None and last is not None and last.part is not None:
        item = _settled(item, last.part)
        if item.time is not None and part_of(item.time) == last.part:
            entry.items[-1] = item  # 「午後、3時」: the time says more than the part it falls in
            return
    if item.part is not None and last is not None and last.time is not None and last.hour is not None:
        entry.items[-1] = _settled(last, item.part)  # "tomorrow at 7, in the evening"
        return
    if item not in entry.items:
        entry.items.append(item)


def _negated(text: str, token: Token) -> bool:
    return bool(_NEGATED_AFTER.match(text, token.end, token.end + 16)) or bool(
        _NEGATED_BEFORE.search(text[max(0, token.start - 16) : token.start])
    )


def _following(day: dt.date, token: Token) -> dt.date | None:
    """The first day from `day` on that a weekday or bare day continues ("Mon to Wed", 「1日から5日」)."""
    if token.weekday is not None and token.weekday_only:
        return day + dt.timedelta(days=(token.weekday - day.weekday()) % 7)
    if token.bare_day is not None:
        for months in range(3):
            first = days.add_months(day.replace(day=1), months, 1)
            found = days.valid(first.year, first.month, token.bare_day)
            if found is not None and found >= day:
                return found
        return None
    return token.last_day if token.kind == "period" else token.day


class _Assembly:
    """One pass over the tokens (see the module docstring)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.entries: list[_Entry] = []
        self.group: list[_Entry] = []
        self.pending: list[_Item] = []
        self.previous: Token | None = None

    def gap(self, token: Token) -> str:
        return self.text[self.previous.end : token.start] if self.previous else ""

    def feed(self, token: Token) -> None:
        if token.kind in ("date", "period"):
            self.day(token)
        elif token.kind in ("time", "part"):
            self.time_or_part(token)
        elif token.weekday is None or token.day is None:
            return  # words read only so that nothing else reads them (「2日くらい」, "sat nav")
        elif not self.check_weekday(token):
            token.kind = "date"  # 「(月)」 on its own names the day
            self.day(token)
        self.previous = token

    def check_weekday(self, token: Token) -> bool:
        """「12月5日(土)」 / "Saturday, December 5": the weekday only repeats the date; it must match."""
        previous, gap = self.previous, self.gap(token)
        if previous is None or previous.kind != "date" or not _BESIDE_GAP.fullmatch(gap) or not self.entries:
            return False
        entry = self.entries[-1]
        if previous.weekday_only or entry.day is None:
            return False
        if entry.day.weekday() != token.weekday:
            entry.doubt = entry.doubt or Doubt.WEEKDAY
        return True

    def day(self, token: Token) -> None:
        gap, previous = self.gap(token), self.previous
        if token.weekday_only and self.check_weekday(token):
            return
        if previous is not None and previous.kind in ("date", "period") and self.entries and self.range_gap(gap, previous):
            self.extend(self.entries[-1], token)
            return
        if (previous is not None and previous.weekday_only and token.weekday is None and self.entries
                and _BESIDE_GAP.fullmatch(gap) and self.entries[-1].token is previous):
            self.merge_weekday(self.entries.pop(), token)
            return
        self.start(token, gap)

    def range_gap(self, gap: str, previous: Token) -> bool:
        if _RANGE_GAP.fullmatch(gap):
            return True
        return gap.strip() == "and" and self.text[max(0, previous.start - 8) : previous.start].endswith("between ")

    def extend(self, entry: _Entry, token: Token) -> None:
        end = _following(entry.day, token) if entry.day else None
        if end is None or end < entry.day:  # type: ignore[operator]
            entry.doubt = entry.doubt or Doubt.RANGE
            end = token.day
        entry.last_day = end
        entry.doubt = entry.doubt or token.doubt

    def merge_weekday(self, weekday_entry: _Entry, token: Token) -> None:
        self.group = [e for e in self.group if e is not weekday_entry]
        entry = self.start(token, "")
        if entry.day is not None and entry.day.weekday() != weekday_entry.token.weekday:
            entry.doubt = entry.doubt or Doubt.WEEKDAY

    def start(self, token: Token, gap: str) -> _Entry:
        day = token.day
        joins = bool(self.group) and not any(e.items for e in self.group) and bool(_GROUP_GAP.fullmatch(gap))
        anchor = self.group[-1] if joins else None
        if anchor is not None and anchor.day and (token.bare_day or (token.weekday_only and not anchor.token.weekday_only)):
            day = _following(anchor.day, token) or day  # 「1月10日か15日」, 「来週の水曜か木曜」
        entry = _Entry(token, day, last_day=token.last_day, doubt=token.doubt)
        self.group = [*self.group, entry] if joins else [entry]
        for item in ([_Item(part=token.part)] if token.part else []) + self.pending:
            _add(entry, item)
        self.pending = []
        self.entries.append(entry)
        return entry

    def time_or_part(self, token: Token) -> None:
        previous = self.previous
        if token.kind == "time" and previous is not None and previous.kind == "time" and _RANGE_GAP.fullmatch(self.gap(token)):
            self.time_range(token)
            return
        item = _item(token)
        for entry in self.group:
            _add(entry, item)
        if not self.group:
            self.pending.append(item)

    def time_range(self, token: Token) -> None:
        for items in [e.items for e in self.group] or [self.pending]:
            if items and items[-1].time is not None and token.time is not None:
                start = items[-1].time
                end = token.time
                if token.hour is not None and start.hour >= 12 and token.hour < 12:
                    end = dt.time(min(token.hour + 12, 23), token.minute)  # 「午後1時から3時」
                items[-1] = replace(items[-1], end_time=days.after(start, end), doubt=items[-1].doubt or token.doubt)


def _readings(entry: _Entry) -> list[Reading]:
    found = []
    for item in entry.items or [_Item()]:
        end_day = entry.last_day or entry.day
        start = Preference(date=entry.day, time=item.time, part=item.part)
        end = None
        if entry.last_day or item.end_time:
            end = Preference(date=end_day, time=item.end_time or (item.time if entry.last_day else None), part=item.part)
        doubt = Doubt.VAGUE if entry.token.kind == "period" else (entry.doubt or item.doubt)
        found.append(Reading(start=start, end=end, doubt=doubt))
    return found


def read_when(text: str, *, today: dt.date, limit: int = MAX_INPUT) -> list[Reading]:
    """What the owner asked for in `text` (see the module docstring), without repeats."""
    normalised = normalise((text or "")[:limit])[:limit]
    assembly = _Assembly(normalised)
    for token in tokens(normalised, today):
        if token.kind in ("date", "period") and _negated(normalised, token):
            continue
        assembly.feed(token)
    found: list[Reading] = []
    seen: set[Reading] = set()
    for entry in [*assembly.entries, *([_Entry(Token(0, 0, "time"), None, items=assembly.pending)] if assembly.pending else [])]:
        for reading in _readings(entry):
            if reading not in seen and len(found) < MAX_READINGS:
                seen.add(reading)
                found.append(reading)
    return found


def parse_when(text: str, *, today: dt.date) -> list[Preference]:
    """The start of every reading that names a day or time (periods left out), in order."""
    found: list[Preference] = []
    for reading in read_when(text, today=today):
        if not reading.vague and reading.start not in found:
            found.append(reading.start)
    return found


def bookable(readings: list[Reading], *, limit: int = 3) -> list[Preference]:
    """What may be booked without asking: every reading's preference when all are sure, else
    nothing (one unsure reading makes the reply a question: the owner is asked, never guessed at)."""
    if not readings or not all(r.sure for r in readings):
        return []
    return [r.preference for r in readings][:limit]
