"""Japanese-era (和暦) and Western dates as they appear on inspection certificates (domain §1).

令和N = 2018+N from 2019-05-01 (令和元年 = 2019); 平成N = 1988+N from 1989-01-08 to
2019-04-30; 昭和 ended 1989-01-07. 初度登録年月 has month precision: parse_year_month.

Numeric era codes: MLIT's file spec for the 車検証閲覧アプリ export is unconfirmed, and
exports seen so far spell the era out (``令和``). Should a file carry a digit, we read it with
the common Japanese administrative coding 1=明治, 2=大正, 3=昭和, 4=平成, 5=令和 (an
assumption; 明治 itself is not supported, no car carries it).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dealers.parsing.era import ERAS, Era
from vehicles.parsing._text import nfkc, remove_spaces, unify_hyphens

_LOOKUP = {key: era for era in ERAS for key in (era.name, era.letter, era.code)}

_ERA_RE_PART = r"(?P<era>令和|平成|昭和|大正|[RHST])"
_ERA_YEAR_RE_PART = r"(?P<y>元|\d{1,2})"
_SEP = r"[./\-]"
_ERA_DATE_RE = re.compile(
    rf"^{_ERA_RE_PART}{_ERA_YEAR_RE_PART}(?:年|{_SEP})(?P<m>\d{{1,2}})(?:月|{_SEP})(?P<d>\d{{1,2}})日?$"
)
_WESTERN_DATE_RE = re.compile(
    rf"^(?P<y>\d{{4}})(?:年|{_SEP})(?P<m>\d{{1,2}})(?:月|{_SEP})(?P<d>\d{{1,2}})日?$"
)
_COMPACT_DATE_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_ERA_MONTH_RE = re.compile(rf"^{_ERA_RE_PART}{_ERA_YEAR_RE_PART}(?:年|{_SEP})(?P<m>\d{{1,2}})月?$")
_WESTERN_MONTH_RE = re.compile(rf"^(?P<y>\d{{4}})(?:年|{_SEP})?(?P<m>\d{{1,2}})月?$")


def _clean(raw: object) -> str:
    return unify_hyphens(remove_spaces(nfkc(raw))).upper()


def _not_a_date(raw: object) -> ValidationError:
    return ValidationError(_("%(value)s is not a date"), code="invalid", params={"value": nfkc(raw)})


def era_get(era: object) -> Era:
    """An era from its name (令和), letter (R, case-insensitive) or numeric code (5)."""
    key = _clean(era)
    if key.isdigit():
        key = str(int(key))
    try:
        return _LOOKUP[key]
    except KeyError:
        raise ValidationError(
            _("%(value)s is not a Japanese era (令和, 平成, 昭和, 大正 or R, H, S, T)."),
            code="invalid_era",
            params={"value": nfkc(era)},
        ) from None


def _era_number(n: object) -> int:
    text = _clean(n)
    if text == "元":
        return 1
    if not text.isdigit() or int(text) < 1:
        raise ValidationError(
            _("%(value)s is not a year of a Japanese era."), code="invalid_year", params={"value": nfkc(n)}
        )
    return int(text)


def era_to_year(era: object, n: object) -> int:
    """Western year of era year ``n`` (``元`` or a number, full-width allowed)."""
    resolved = era_get(era)
    year = resolved.offset + _era_number(n)
    if resolved.last_day is not None and year > resolved.last_day.year:
        raise ValidationError(
            _("%(era)s %(n)s does not exist: %(era)s ended in %(last)s."),
            code="outside_era",
            params={"era": resolved.name, "n": nfkc(n), "last": resolved.last_day.year},
        )
    return year


def _outside_era(raw: object, era: Era) -> ValidationError:
    last = era.last_day.isoformat() if era.last_day else ""
    return ValidationError(
        _("%(value)s is outside the %(era)s era (%(first)s – %(last)s)"),
        code="outside_era",
        params={"value": nfkc(raw), "era": era.name, "first": era.first_day.isoformat(), "last": last},
    )


def era_date(era: object, n: object, month: object, day: object, *, raw: object = None) -> dt.date:
    """A date from era parts (as in the certificate export's E/Y/M/D fields)."""
    resolved = era_get(era)
    shown = raw if raw is not None else f"{resolved.name}{nfkc(n)}年{nfkc(month)}月{nfkc(day)}日"
    try:
        year = resolved.offset + _era_number(n)
        value = dt.date(year, int(_clean(month)), int(_clean(day)))
    except (ValueError, ValidationError):
        raise _not_a_date(shown) from None
    if value < resolved.first_day or (resolved.last_day and value > resolved.last_day):
        raise _outside_era(shown, resolved)
    return value


def parse_japanese_date(raw: object) -> dt.date:
    """令和8年5月31日, R8.5.31, R08/05/31, 令和元年5月1日, H31.4.30, 2026-05-31, 2026/5/31 …"""
    text = _clean(raw)
    if match := _ERA_DATE_RE.match(text):
        return era_date(match["era"], match["y"], match["m"], match["d"], raw=raw)
    match = _WESTERN_DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match:
        raise _not_a_date(raw)
    try:
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        raise _not_a_date(raw) from None


def _not_a_month(raw: object) -> ValidationError:
    return ValidationError(
        _("%(value)s is not a year and month"), code="invalid", params={"value": nfkc(raw)}
    )


def era_year_month(era: object, n: object, month: object, *, raw: object = None) -> tuple[int, int]:
    """(year, month) from era parts; the month must overlap the era (令和元年4月 does not)."""
    resolved = era_get(era)
    shown = raw if raw is not None else f"{resolved.name}{nfkc(n)}年{nfkc(month)}月"
    try:
        year = resolved.offset + _era_number(n)
        month_no = int(_clean(month))
        last = dt.date(year, month_no, calendar.monthrange(year, month_no)[1])
    except (ValueError, ValidationError):
        raise _not_a_month(shown) from None
    if last < resolved.first_day or (resolved.last_day and last.replace(day=1) > resolved.last_day):
        raise _outside_era(shown, resolved)
    return year, month_no


def parse_year_month(raw: object) -> tuple[int, int]:
    """令和4年5月, R4.5, 2022-05, 2022/5, 2022年5月, 202205 → (year, month)."""
    text = _clean(raw)
    if match := _ERA_MONTH_RE.match(text):
        return era_year_month(match["era"], match["y"], match["m"], raw=raw)
    match = _WESTERN_MONTH_RE.match(text)
    if not match or not 1 <= int(match["m"]) <= 12:
        raise _not_a_month(raw)
    return int(match["y"]), int(match["m"])
