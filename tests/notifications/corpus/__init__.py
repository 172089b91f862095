"""Phrase and mail corpora for the reply parsers, with a reader for the phrase files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
TODAY = dt.date(2026, 11, 24)  # a Tuesday; the corpora's expected readings are for this day


@dataclass(frozen=True)
class Phrase:
    language: str
    kind: str  # the class: date, time, part, relative, offset, range, vague, not_date, …
    text: str
    expected: tuple[str, ...]  # canonical readings (see when_ja.tsv's header); () for nothing


def phrases(language: str) -> list[Phrase]:
    found, kind = [], ""
    for line in (HERE / f"when_{language}.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            kind = line[3:].strip()
        elif line.strip() and not line.startswith("#"):
            text, expected = line.split("\t")
            readings = tuple(r.strip() for r in expected.split("|")) if expected.strip() != "-" else ()
            found.append(Phrase(language, kind, text, readings))
    return found


def shown(preference) -> str:
    parts = [
        preference.date.isoformat() if preference.date else "",
        preference.time.strftime("%H:%M") if preference.time else "",
        preference.part.value if preference.part else "",
    ]
    return " ".join(p for p in parts if p)


def canonical(reading) -> str:
    """A reading as the corpus writes it: [?]START[..END], END's day left out when it is START's."""
    text = shown(reading.start)
    if reading.end is not None:
        end = reading.end
        if end.date == reading.start.date:
            end = type(end)(date=None, time=end.time, part=end.part)
        text += ".." + shown(end)
    return text if reading.sure else "?" + text
