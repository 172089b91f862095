"""What an owner asks for when booking: a day, and a part of day or a time (pure, no Django).

Shared by the booking rules (vehicles.selectors.capacity) and the free-text parser
(notifications.parsing.when), so both speak the same shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class PartOfDay(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


# Slot start times (local) that count as each part of day: [from, to).
PART_BOUNDS: dict[PartOfDay, tuple[dt.time, dt.time]] = {
    PartOfDay.MORNING: (dt.time(0), dt.time(12)),
    PartOfDay.AFTERNOON: (dt.time(12), dt.time(17)),
    PartOfDay.EVENING: (dt.time(17), dt.time.max),
}


def part_of(at: dt.time) -> PartOfDay:
    for part, (start, end) in PART_BOUNDS.items():
        if start <= at < end:
            return part
    return PartOfDay.EVENING


@dataclass(frozen=True, slots=True)
class Preference:
    """One preferred time. No date = "the next days" (e.g. 「午後2時」 on its own); a time and a
    part are exclusive; neither = any time that day.

    A range is one preference with an end (「12/1〜12/5」, 「10時〜12時」): `end_date` is its last
    day, `end_time` the end of its time window; the booking takes the first free slot in it."""

    date: dt.date | None
    time: dt.time | None = None
    part: PartOfDay | None = None
    end_date: dt.date | None = None
    end_time: dt.time | None = None

    def __post_init__(self) -> None:
        if self.time is not None and self.part is not None:
            raise ValueError("A preference has a time or a part of day, not both.")
        if self.end_date is not None and (self.date is None or self.end_date < self.date):
            raise ValueError("A range of days needs a first day on or before its last.")
        if self.end_time is not None and (self.time is None or self.end_time <= self.time):
            raise ValueError("A time window needs a start before its end.")

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "date": self.date.isoformat() if self.date else None,
            "time": self.time.strftime("%H:%M") if self.time else None,
            "part": self.part.value if self.part else None,
        }
        if self.end_date is not None:  # only ranges carry the keys: a point keeps its old shape
            found["end_date"] = self.end_date.isoformat()
        if self.end_time is not None:
            found["end_time"] = self.end_time.strftime("%H:%M")
        return found

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Preference:
        """Inverse of as_json; ValueError on a malformed item."""
        date, time, part = data.get("date"), data.get("time"), data.get("part")
        end_date, end_time = data.get("end_date"), data.get("end_time")
        return cls(
            date=dt.date.fromisoformat(date) if date else None,
            time=dt.time.fromisoformat(time) if time else None,
            part=PartOfDay(part) if part else None,
            end_date=dt.date.fromisoformat(end_date) if end_date else None,
            end_time=dt.time.fromisoformat(end_time) if end_time else None,
        )
