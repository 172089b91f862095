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
    part are exclusive; neither = any time that day."""

    date: dt.date | None
    time: dt.time | None = None
    part: PartOfDay | None = None

    def __post_init__(self) -> None:
        if self.time is not None and self.part is not None:
            raise ValueError("A preference has a time or a part of day, not both.")

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat() if self.date else None,
            "time": self.time.strftime("%H:%M") if self.time else None,
            "part": self.part.value if self.part else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Preference:
        """Inverse of as_json; ValueError on a malformed item."""
        date, time, part = data.get("date"), data.get("time"), data.get("part")
        return cls(
            date=dt.date.fromisoformat(date) if date else None,
            time=dt.time.fromisoformat(time) if time else None,
            part=PartOfDay(part) if part else None,
        )
