"""The Japanese eras (和暦): the one table behind reading certificate dates
(vehicles.parsing.era) and showing them (the `wareki` template filter).

令和N = 2018+N from 2019-05-01 (令和元年 = 2019); 平成N = 1988+N from 1989-01-08 to 2019-04-30;
昭和 ended 1989-01-07. Pure: no Django, no queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    code: str
    first_day: dt.date
    last_day: dt.date | None  # None: the current era

    @property
    def offset(self) -> int:
        return self.first_day.year - 1


ERAS = (
    Era("令和", "R", "5", dt.date(2019, 5, 1), None),
    Era("平成", "H", "4", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("昭和", "S", "3", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("大正", "T", "2", dt.date(1912, 7, 30), dt.date(1926, 12, 25)),
)


def era_of(day: dt.date) -> Era | None:
    """The era a day falls in (the newer era on a change-over day); None before 大正."""
    return next((era for era in ERAS if day >= era.first_day), None)


def era_year_label(day: dt.date) -> str:
    """令和9年, 令和元年; "" before the eras known here."""
    era = era_of(day)
    if era is None:
        return ""
    n = day.year - era.offset
    return f"{era.name}{'元' if n == 1 else n}年"
