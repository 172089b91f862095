import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from vehicles.parsing.era import (
    era_date,
    era_get,
    era_to_year,
    era_year_month,
    parse_japanese_date,
    parse_year_month,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("令和8年5月31日", dt.date(2026, 5, 31)),
        ("令和 8 年 5 月 31 日", dt.date(2026, 5, 31)),
        ("令和８年５月３１日", dt.date(2026, 5, 31)),
        ("R8.5.31", dt.date(2026, 5, 31)),
        ("r8.5.31", dt.date(2026, 5, 31)),
        ("R08/05/31", dt.date(2026, 5, 31)),
        ("Ｒ０８／０５／３１", dt.date(2026, 5, 31)),
        ("R8-5-31", dt.date(2026, 5, 31)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("令和1年5月1日", dt.date(2019, 5, 1)),
        ("R1.5.1", dt.date(2019, 5, 1)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("S64.1.7", dt.date(1989, 1, 7)),
        ("昭和元年12月25日", dt.date(1926, 12, 25)),
        ("大正15年12月25日", dt.date(1926, 12, 25)),
        ("令和6年2月29日", dt.date(2024, 2, 29)),  # leap day
        ("2026-05-31", dt.date(2026, 5, 31)),
        ("2026/5/31", dt.date(2026, 5, 31)),
        ("2026.5.31", dt.date(2026, 5, 31)),
        ("2026年5月31日", dt.date(2026, 5, 31)),
        ("２０２６－０５－３１", dt.date(2026, 5, 31)),
        ("20260531", dt.date(2026, 5, 31)),
        ("2024-02-29", dt.date(2024, 2, 29)),
    ],
)
def test_parse_japanese_date_accepts(raw, expected):
    assert parse_japanese_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("令和8年2月30日", "invalid"),
        ("令和7年2月29日", "invalid"),  # 2025 is not a leap year
        ("2025-02-29", "invalid"),
        ("2026-13-01", "invalid"),
        ("2026-04-31", "invalid"),
        ("令和8年13月1日", "invalid"),
        ("令和0年5月1日", "invalid"),
        ("令和元年4月30日", "outside_era"),  # 令和 starts 2019-05-01
        ("平成31年5月1日", "outside_era"),  # 平成 ends 2019-04-30
        ("平成32年1月1日", "outside_era"),
        ("平成元年1月7日", "outside_era"),  # 平成 starts 1989-01-08
        ("昭和64年1月8日", "outside_era"),  # 昭和 ends 1989-01-07
        ("H31.5.1", "outside_era"),
        ("明治45年1月1日", "invalid"),
        ("X8.5.31", "invalid"),
        ("next tuesday", "invalid"),
        ("", "invalid"),
        ("2026-05", "invalid"),  # month precision is not a date
        ("26-05-31", "invalid"),
    ],
)
def test_parse_japanese_date_rejects(raw, code):
    with pytest.raises(ValidationError) as exc:
        parse_japanese_date(raw)
    assert exc.value.code == code


def test_impossible_day_message_names_the_input():
    with pytest.raises(ValidationError) as exc:
        parse_japanese_date("令和8年2月30日")
    assert exc.value.messages == ["令和8年2月30日 is not a date"]


def test_outside_era_message_names_the_era_bounds():
    with pytest.raises(ValidationError) as exc:
        parse_japanese_date("平成31年5月1日")
    assert exc.value.messages == ["平成31年5月1日 is outside the 平成 era (1989-01-08 – 2019-04-30)"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("令和4年5月", (2022, 5)),
        ("令和４年５月", (2022, 5)),
        ("R4.5", (2022, 5)),
        ("R04/05", (2022, 5)),
        ("令和元年5月", (2019, 5)),
        ("平成31年4月", (2019, 4)),
        ("平成元年1月", (1989, 1)),  # 平成 began on 8 January: the month overlaps
        ("昭和64年1月", (1989, 1)),
        ("2022-05", (2022, 5)),
        ("2022/5", (2022, 5)),
        ("2022年5月", (2022, 5)),
        ("202205", (2022, 5)),
        ("２０２２－０５", (2022, 5)),
    ],
)
def test_parse_year_month_accepts(raw, expected):
    assert parse_year_month(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["令和元年4月", "平成31年5月", "昭和64年2月", "令和4年13月", "2022-13", "2022-00", "2022", "R4", "", "May 2022"],
)
def test_parse_year_month_rejects(raw):
    with pytest.raises(ValidationError):
        parse_year_month(raw)


@pytest.mark.parametrize(
    ("era", "n", "expected"),
    [
        ("令和", 8, 2026),
        ("令和", "元", 2019),
        ("R", "1", 2019),
        ("r", "08", 2026),
        ("Ｒ", "８", 2026),
        ("5", 8, 2026),  # numeric code (assumed 5 = 令和)
        ("05", "8", 2026),
        (5, 8, 2026),
        ("平成", 31, 2019),
        ("H", 1, 1989),
        ("4", 30, 2018),
        ("昭和", 64, 1989),
        ("S", 40, 1965),
        ("3", 64, 1989),
        ("大正", 15, 1926),
        ("T", 1, 1912),
        ("2", 15, 1926),
        (" 令和 ", " 6", 2024),  # the export pads values with spaces
    ],
)
def test_era_to_year(era, n, expected):
    assert era_to_year(era, n) == expected


@pytest.mark.parametrize(
    ("era", "n"),
    [("令和", 0), ("令和", "x"), ("平成", 32), ("昭和", 65), ("大正", 16), ("明治", 1), ("1", 1), ("6", 1), ("", 1)],
)
def test_era_to_year_rejects(era, n):
    with pytest.raises(ValidationError):
        era_to_year(era, n)


def test_era_get_by_all_spellings():
    assert era_get("令和") is era_get("R") is era_get("5") is era_get("ｒ")


def test_era_parts_from_the_certificate_export():
    assert era_date("令和", " 8", " 5", "31") == dt.date(2026, 5, 31)
    assert era_date("5", "元", "5", "1") == dt.date(2019, 5, 1)
    assert era_year_month("平成", "30", " 4") == (2018, 4)
    with pytest.raises(ValidationError) as exc:
        era_date("5", "8", "2", "30")
    assert exc.value.messages == ["令和8年2月30日 is not a date"]
    with pytest.raises(ValidationError):
        era_date("令和", "8", "5", "")


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source messages; Japanese is the default language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
