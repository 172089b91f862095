"""Reading a vehicle import file (CSV or JSON) into rows of raw values by column name.

Pure: no database. Problems with the file as a whole raise VehicleFileError (one line);
problems with one row are left to the row cleaner, which knows the row's location.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from vehicles.parsing import _file
from vehicles.parsing._file import column_key as _key
from vehicles.parsing._file import detect_format
from vehicles.parsing._text import nfkc

COLUMNS = (
    "chassis_number", "model_code", "car_name", "plate", "vehicle_class", "use",
    "first_registration", "shaken_expiry", "remarks", "odometer_km", "equipment", "navi_paired",
    "customer_name", "customer_name_kana", "customer_email", "customer_phone", "store_code",
)  # fmt: skip

# Japanese headers, and the 車検証閲覧アプリ export's keys. The app's key names are
# unconfirmed against MLIT's spec (domain §1); exports seen in the wild use CarNo for the
# 車台番号 and EntryNoCarNo for the plate, so CarNo is read as the chassis number.
ALIASES: dict[str, tuple[str, ...]] = {
    "chassis_number": ("車台番号", "ChassisNo", "CarNo", "TwodimensionCodeInfoCarNo"),
    "model_code": ("型式", "Model", "TwodimensionCodeInfoModel"),
    "car_name": ("車名", "CarName"),
    "plate": (
        "登録番号", "自動車登録番号", "車両番号", "ナンバー", "EntryNoCarNo",
        "TwodimensionCodeInfoEntryNoCarNo",
    ),
    # On the certificate 用途 is 乗用/貨物/乗合/特種 (a class), 自家用・事業用の別 the use.
    "vehicle_class": ("車両区分", "車種", "用途"),
    "use": ("自家用・事業用", "自家用・事業用の別", "使用区分"),
    "first_registration": ("初度登録年月", "初度検査年月"),
    "shaken_expiry": ("有効期間の満了する日", "車検満了日", "車検有効期限"),
    "remarks": ("備考", "NoteInfo"),
    "odometer_km": ("走行距離", "走行距離(km)"),
    "equipment": ("装備", "通信機器"),
    "navi_paired": ("ナビ連携", "スマホ連携"),
    "customer_name": ("顧客名", "氏名", "お客様名"),
    "customer_name_kana": ("顧客名カナ", "フリガナ", "氏名カナ"),
    "customer_email": ("メールアドレス", "メール"),
    "customer_phone": ("電話番号", "電話"),
    "store_code": ("店舗コード",),
}  # fmt: skip

# Date parts in the certificate export: era (name or code), year, month[, day].
_ERA_PART_KEYS = {
    "shaken_expiry": ("ValidPeriodExpirdate",),
    "first_registration": ("Firstregistdate", "Firstexamdate"),  # Firstexamdate: kei cars
}
# Certificate fields that describe the class and use (inferred in the row cleaner).
_CERT_HINT_KEYS = ("CarKind", "Use", "PrivateBusiness", "RegistCarLightCar", "CarTotalWgt")


class VehicleFileError(Exception):
    """The file as a whole cannot be read; the message is one line."""


@dataclass(frozen=True)
class EraParts:
    """A date split over the export's E/Y/M/D fields (day is None for year-month dates)."""

    era: str
    year: str
    month: str
    day: str | None = None


@dataclass(frozen=True)
class SourceRow:
    where: str  # "line 7" (CSV physical line) or "[3]" (JSON array index)
    values: dict[str, Any]  # canonical column → raw value (str, EraParts or a JSON scalar)
    hints: dict[str, str]  # certificate class/use fields, when present
    problem: str = ""  # a row that is not a record at all (JSON non-object, too many cells)


_LOOKUP = _file.column_lookup(COLUMNS, ALIASES)

__all__ = ["COLUMNS", "FORMAT_DOC", "EraParts", "SourceRow", "VehicleFileError", "decode", "detect_format", "read_csv",
           "read_json", "read_rows"]  # fmt: skip


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS (cp932, Excel's Japanese CSV)."""
    return _file.decode(data, VehicleFileError)


def read_rows(text: str, fmt: str) -> list[SourceRow]:
    rows = read_json(text) if fmt == "json" else read_csv(text)
    if not rows:
        raise VehicleFileError(_("the file contains no vehicles"))
    return rows


# --- CSV ---------------------------------------------------------------------------------


def read_csv(text: str) -> list[SourceRow]:
    lines = _file.csv_rows(text, VehicleFileError)
    header = next(lines, None)
    if header is None:
        raise VehicleFileError(_("the file is empty"))
    columns = _file.read_header(
        header[1], _LOOKUP, VehicleFileError, required=("chassis_number",),
        missing=lambda _column: _("the header has no chassis_number (車台番号) column"),
    )  # fmt: skip
    return [_csv_row(f"line {line}", columns, cells) for line, cells in lines]


def _csv_row(where: str, columns: list[str], cells: list[str]) -> SourceRow:
    extra = [cell for cell in cells[len(columns) :] if cell.strip()]
    if extra:
        problem = _("has %(cells)s cells but the header has %(columns)s columns") % {
            "cells": len(cells),
            "columns": len(columns),
        }
        return SourceRow(where=where, values={}, hints={}, problem=problem)
    values = {column: cell for column, cell in zip(columns, cells, strict=False)}
    return SourceRow(where=where, values=values, hints={})


# --- JSON --------------------------------------------------------------------------------


def read_json(text: str) -> list[SourceRow]:
    prefix, data = _file.json_items(
        text, VehicleFileError, key="vehicles", expected=_('expected a JSON object, a list of objects or {"vehicles": [...]}')
    )
    return [_json_row(f"{prefix}[{index}]", item) for index, item in enumerate(data)]


def _json_row(where: str, item: object) -> SourceRow:
    if isinstance(item, Mapping) and isinstance(item.get("CertInfo"), Mapping):
        item = item["CertInfo"]  # the 車検証閲覧アプリ file: {"CertInfoImportFileVersion", "CertInfo"}
    if not isinstance(item, Mapping):
        return SourceRow(where=where, values={}, hints={}, problem=_("is not a JSON object"))
    # Matched by exact name: the certificate's "Use" (乗用/貨物) is not our "use" column.
    hints = {name: nfkc(item[name]) for name in _CERT_HINT_KEYS if not _blank(item.get(name))}
    by_key = {_key(name): value for name, value in item.items() if name not in _CERT_HINT_KEYS}
    values: dict[str, Any] = {}
    for column in COLUMNS:
        for alias in (column, *ALIASES.get(column, ())):
            value = by_key.get(_key(alias))
            if not _blank(value):
                values[column] = value
                break
    for column, stems in _ERA_PART_KEYS.items():
        if column not in values and (parts := _era_parts(by_key, stems, with_day=column == "shaken_expiry")):
            values[column] = parts
    return SourceRow(where=where, values=values, hints=hints)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _era_parts(by_key: dict[str, Any], stems: tuple[str, ...], *, with_day: bool) -> EraParts | None:
    for stem in stems:
        era, year, month, day = (nfkc(by_key.get(_key(stem + part))) for part in "EYMD")
        if year or month or (with_day and day):
            return EraParts(era=era, year=year, month=month, day=day if with_day else None)
    return None


FORMAT_DOC = """\
CSV: UTF-8 (with or without BOM) or Shift_JIS, comma-separated, one header row. Column
names in English or Japanese (in brackets); only chassis_number is required. Empty cells
leave a stored value unchanged (new vehicles get the default).

  chassis_number      [車台番号] ZVW30-1000083 or a 17-character VIN. Full-width, ー/－
                      and a pasted emissions prefix (DAA-ZVW30-1000083) are accepted.
                      The key: an existing vehicle of the company is updated; one that
                      belongs to another dealer company is an error for that row.
  model_code          [型式] 6AA-MXAA54 or MXAA54 (the emissions prefix is dropped).
                      Default for new vehicles: the part of the chassis number before
                      the hyphen; required for a VIN.
  car_name            [車名] required for new vehicles.
  plate               [登録番号] 品川 330 さ 12-34, 品川330さ1234, ・・12 forms, full-width.
  vehicle_class       [車両区分, 用途] passenger | kei_passenger | kei_freight | freight_small
                      | freight_large | bus | special (or 乗用, 軽乗用, 軽貨物, 貨物,
                      大型貨物, 乗合, 特種). Default passenger.
  use                 [自家用・事業用] private | commercial | rental (or 自家用, 事業用, レンタカー).
                      When empty, taken from the plate's kana (わ/れ rental, あ…こ/を
                      commercial, otherwise private).
  first_registration  [初度登録年月] year and month: 令和4年5月, R4.5, 2022-05, 2022/5.
  shaken_expiry       [有効期間の満了する日] 令和8年5月31日, R8.5.31, R08/05/31,
                      2026-05-31, 2026/5/31. Stored as given (the certificate is the
                      authority).
  remarks             [備考] free text; "OBD検査対象" in it marks the car as an OBD
                      inspection target.
  odometer_km         [走行距離] whole km: 12345, 12,345 or 12345km.
  equipment           [装備] navi | dcm_only | none. Default navi.
  navi_paired         [ナビ連携] 1/0, yes/no, true/false, はい/いいえ.
  customer_name       [顧客名] the owner. With any customer_* column the owner is the
  customer_name_kana  [フリガナ] vehicle's current owner when the name agrees, else the
  customer_email      [メールアドレス] company's customer with that e-mail, else that
  customer_phone      [電話番号] phone; otherwise a new customer (name required).
  store_code          [店舗コード] remote-maintenance store: an active store of the same
                      company that takes part in remote maintenance.

JSON: one object, a list of objects, or {"vehicles": [...]}. Keys are the CSV column
names above, or the keys of MLIT's 車検証閲覧アプリ export ({"CertInfo": {...}} is read
too): CarNo / ChassisNo (chassis number), EntryNoCarNo (plate), Model, CarName,
ValidPeriodExpirdateE/Y/M/D (expiry; E is the era name, letter or code 5=令和 4=平成
3=昭和 2=大正, or empty with a Western year), FirstregistdateE/Y/M (FirstexamdateE/Y/M
for kei cars), NoteInfo (remarks); CarKind, Use, PrivateBusiness and CarTotalWgt give the
class and use when those keys are absent. The export's key names are not confirmed against
MLIT's specification; owner names and addresses in it are not imported.

Each row is imported whole or not at all; errors name the row (CSV: "line 7", the file's
physical line; JSON: "[3]", the array index) and the column. Re-importing a file changes
nothing. The command exits non-zero when any row failed; the good rows are imported.
"""
