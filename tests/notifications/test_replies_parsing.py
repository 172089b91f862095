"""Free-text dates and times (Japanese and English) with a fixed today: Monday 2026-03-02."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.parsing.intent import reply_intent
from notifications.parsing.when import parse_when

TODAY = dt.date(2026, 3, 2)  # a Monday


def _p(day: str | None, when: str | None = None) -> tuple:
    """Expected candidate: ("2026-03-05", "10:00") / ("2026-03-05", "morning") / (date, None)."""
    return (day, when)


def _shown(text: str) -> list[tuple]:
    found = []
    for p in parse_when(text, today=TODAY):
        when = p.time.strftime("%H:%M") if p.time else (p.part.value if p.part else None)
        found.append((p.date.isoformat() if p.date else None, when))
    return found


CASES = [
    # the examples
    ("3月5日の午前", [_p("2026-03-05", "morning")]),
    ("来週の火曜 10時", [_p("2026-03-10", "10:00")]),
    ("明後日", [_p("2026-03-04")]),
    ("明日の夕方", [_p("2026-03-03", "evening")]),
    ("5/12 14:00", [_p("2026-05-12", "14:00")]),
    ("12日15時半", [_p("2026-03-12", "15:30")]),
    ("午後2時", [_p(None, "14:00")]),
    ("next Tuesday morning", [_p("2026-03-10", "morning")]),
    ("tomorrow 3pm", [_p("2026-03-03", "15:00")]),
    ("May 12 at 2:30 pm", [_p("2026-05-12", "14:30")]),
    # full-width digits and punctuation, kanji numerals
    ("３月５日１０時", [_p("2026-03-05", "10:00")]),
    ("５／１２　１４：００", [_p("2026-05-12", "14:00")]),
    ("三月五日の十時半", [_p("2026-03-05", "10:30")]),
    ("十二日の午後", [_p("2026-03-12", "afternoon")]),
    # past dates roll forward
    ("1月10日", [_p("2027-01-10")]),
    ("3月1日の午前", [_p("2027-03-01", "morning")]),
    ("3月2日", [_p("2026-03-02")]),  # today is not past
    ("1日", [_p("2026-04-01")]),  # a bare day already past this month: next month
    ("31日", [_p("2026-03-31")]),
    ("2/30", []),  # no such date
    ("2025-05-12", []),  # an explicit past year is not rolled
    # explicit years and eras
    ("2026年5月12日 10:00", [_p("2026-05-12", "10:00")]),
    ("2026/05/12", [_p("2026-05-12")]),
    ("令和8年5月12日の午後", [_p("2026-05-12", "afternoon")]),
    # relative days
    ("今日の夕方", [_p("2026-03-02", "evening")]),
    ("本日15時", [_p("2026-03-02", "15:00")]),
    ("しあさって", [_p("2026-03-05")]),
    ("3日後の朝", [_p("2026-03-05", "morning")]),
    ("in 3 days", [_p("2026-03-05")]),
    ("day after tomorrow at 10", [_p("2026-03-04", "10:00")]),
    ("tonight", [_p("2026-03-02", "evening")]),
    # weekdays
    ("火曜", [_p("2026-03-03")]),
    ("月曜日の午後", [_p("2026-03-09", "afternoon")]),  # today's weekday means next week's
    ("今週の金曜 11時", [_p("2026-03-06", "11:00")]),
    ("再来週の水曜", [_p("2026-03-18")]),
    ("this Friday afternoon", [_p("2026-03-06", "afternoon")]),
    ("Tuesday next week", [_p("2026-03-10")]),
    ("on Sat at 9am", [_p("2026-03-07", "09:00")]),
    # several candidates, shared parts of day, ranges
    ("月曜か水曜の午前", [_p("2026-03-09", "morning"), _p("2026-03-04", "morning")]),
    ("明日の午前か、来週の火曜の午後", [_p("2026-03-03", "morning"), _p("2026-03-10", "afternoon")]),
    ("明日、10時か14時", [_p("2026-03-03", "10:00"), _p("2026-03-03", "14:00")]),
    ("3/5か3/6の午前", [_p("2026-03-05", "morning"), _p("2026-03-06", "morning")]),
    ("Tuesday or Thursday afternoon", [_p("2026-03-03", "afternoon"), _p("2026-03-05", "afternoon")]),
    ("3月10日(火) 10:00〜11:00", [_p("2026-03-10", "10:00")]),
    ("3月10日火曜 10時から12時の間", [_p("2026-03-10", "10:00")]),
    ("明日の午後、3時ごろ", [_p("2026-03-03", "15:00")]),  # the time refines the part of day
    ("at 2:30 pm on May 12", [_p("2026-05-12", "14:30")]),
    ("March 5th, 10:30am", [_p("2026-03-05", "10:30")]),
    ("12 May 2026 noon", [_p("2026-05-12", "12:00")]),
    ("the 12th in the morning", [_p("2026-03-12", "morning")]),
    ("3時", [_p(None, "15:00")]),  # a bare 1–7 o'clock is in business hours
    ("午前9時", [_p(None, "09:00")]),
    ("12am", [_p(None, "00:00")]),
    ("午前中", [_p(None, "morning")]),
    # nothing usable
    ("よろしくお願いします", []),
    ("来週", []),
    ("2時間くらいかかりますか", []),
    ("一時的に預けられますか", []),
    ("代車はありますか？", []),
    ("", []),
    ("25時", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_parse_when(text, expected):
    assert _shown(text) == expected


def test_repeated_candidates_are_given_once():
    assert _shown("明日の10時、明日の10時でお願いします") == [("2026-03-03", "10:00")]


def test_a_year_boundary_rolls_into_january():
    found = parse_when("1月5日", today=dt.date(2026, 12, 28))
    assert [p.date for p in found] == [dt.date(2027, 1, 5)]


@pytest.mark.parametrize(
    ("text", "has_dates", "intent"),
    [
        ("3月5日でお願いします", True, "book"),
        ("予約したいです", False, "book"),
        ("予約をキャンセルしてください", False, "cancel"),
        ("Please cancel my appointment", False, "cancel"),
        ("日程を変更したいです。3月10日の午後で", True, "change"),
        ("I'd like to reschedule", False, "change"),
        ("代車はありますか？", False, "ask"),
        ("How long does the inspection take?", False, "ask"),
    ],
)
def test_reply_intent(text, has_dates, intent):
    assert reply_intent(text, has_dates=has_dates) == intent
