"""Cleaning one import row (raw values by column) into Vehicle field values.

Pure: no database. Every bad field is reported (column, message), not only the first, so a
dealer fixes a row in one go. Columns left empty are absent from the result: an import never
erases a stored value with a blank cell.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from vehicles.models.vehicle import Equipment, VehicleClass, VehicleUse
from vehicles.parsing._text import nfkc, remove_spaces
from vehicles.parsing.chassis import model_code_from_chassis, normalize_chassis_number, normalize_model_code
from vehicles.parsing.era import era_date, era_year_month, parse_japanese_date, parse_year_month
from vehicles.parsing.plate import Plate, parse_plate
from vehicles.parsing.vehicle_file import EraParts, SourceRow

OBD_REMARK = "OBD検査対象"
CUSTOMER_COLUMNS = {
    "customer_name": "name",
    "customer_name_kana": "name_kana",
    "customer_email": "email",
    "customer_phone": "phone",
}

_CLASS_ALIASES = {
    "乗用": VehicleClass.PASSENGER, "普通乗用": VehicleClass.PASSENGER, "小型乗用": VehicleClass.PASSENGER,
    "軽乗用": VehicleClass.KEI_PASSENGER, "軽自動車": VehicleClass.KEI_PASSENGER,
    "軽貨物": VehicleClass.KEI_FREIGHT, "貨物": VehicleClass.FREIGHT_SMALL,
    "小型貨物": VehicleClass.FREIGHT_SMALL, "普通貨物": VehicleClass.FREIGHT_SMALL,
    "大型貨物": VehicleClass.FREIGHT_LARGE, "バス": VehicleClass.BUS, "乗合": VehicleClass.BUS,
    "特種": VehicleClass.SPECIAL, "特殊": VehicleClass.SPECIAL, "8ナンバー": VehicleClass.SPECIAL,
}  # fmt: skip
_USE_ALIASES = {
    "自家用": VehicleUse.PRIVATE, "事業用": VehicleUse.COMMERCIAL, "営業用": VehicleUse.COMMERCIAL,
    "レンタカー": VehicleUse.RENTAL, "レンタル": VehicleUse.RENTAL, "貸渡": VehicleUse.RENTAL,
}  # fmt: skip
_EQUIPMENT_ALIASES = {
    "ナビ": Equipment.NAVI, "t-connectナビ": Equipment.NAVI, "dcm": Equipment.DCM_ONLY,
    "dcmのみ": Equipment.DCM_ONLY, "なし": Equipment.NONE, "未接続": Equipment.NONE,
}  # fmt: skip
_TRUE = {"1", "true", "yes", "y", "on", "はい", "有", "あり", "済", "〇", "○"}
_FALSE = {"0", "false", "no", "n", "off", "いいえ", "無", "なし", "未", "×", "-"}
_LARGE_FREIGHT_KG = 8000


@dataclass
class VehicleRecord:
    where: str
    chassis_number: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # Vehicle field → value, given ones only
    model_code_from_chassis: str | None = None  # used when a new vehicle has no model column
    customer: dict[str, str] = field(default_factory=dict)  # Customer field → raw text
    store_code: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


def _text(raw: Any) -> str:
    if isinstance(raw, (dict, list, EraParts)):
        raise ValidationError(_("must be text"))
    return nfkc(raw)


def _choice(raw: Any, choices: type[models.TextChoices], aliases: dict[str, Any]) -> str:
    text = _text(raw)
    key = remove_spaces(text).lower()
    for value, label in choices.choices:
        if key in (value, remove_spaces(str(label)).lower()):
            return value
    if key in aliases:
        return aliases[key]
    allowed = ", ".join(choices.values)
    raise ValidationError(_("%(value)s is not one of %(allowed)s") % {"value": text, "allowed": allowed})


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    key = _text(raw).lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValidationError(_("%(value)s is not yes/no (1/0)") % {"value": key})


def _odometer(raw: Any) -> int:
    text = re.sub(r"(?i)\s*km$", "", _text(raw)).replace(",", "")
    if not text.isdigit() or int(text) > 9_999_999:
        raise ValidationError(_("%(value)s is not a distance in km") % {"value": nfkc(raw)})
    return int(text)


def _date(raw: Any) -> dt.date:
    if isinstance(raw, EraParts):
        if not raw.era and len(raw.year) == 4:  # the export may carry Western years
            return parse_japanese_date(f"{raw.year}-{raw.month}-{raw.day}")
        return era_date(raw.era, raw.year, raw.month, raw.day or "")
    return parse_japanese_date(_text(raw))


def _year_month(raw: Any) -> tuple[int, int]:
    if isinstance(raw, EraParts):
        if not raw.era and len(raw.year) == 4:
            return parse_year_month(f"{raw.year}-{raw.month}")
        return era_year_month(raw.era, raw.year, raw.month)
    return parse_year_month(_text(raw))


def _plate_values(plate: Plate) -> dict[str, Any]:
    return {
        "plate_region": plate.region,
        "plate_class": plate.class_number,
        "plate_kana": plate.kana,
        "plate_serial": plate.serial,
        "plate_display": plate.display,
        "plate_search": plate.search_key,
    }


def _infer_class(hints: dict[str, str]) -> str | None:
    """Vehicle class from the certificate's 用途 / 自動車の種別 / 車両総重量 (when exported)."""
    use, kind = hints.get("Use", ""), hints.get("CarKind", "")
    kei = "軽" in kind or hints.get("RegistCarLightCar") == "02"
    if not (use or kind or kei):
        return None
    if "乗合" in use:
        return VehicleClass.BUS
    if "特種" in use or "特殊" in use:
        return VehicleClass.SPECIAL
    if "貨物" in use:
        if kei:
            return VehicleClass.KEI_FREIGHT
        weight = re.sub(r"\D", "", hints.get("CarTotalWgt", "").split("(")[0])
        heavy = weight.isdigit() and int(weight) >= _LARGE_FREIGHT_KG
        return VehicleClass.FREIGHT_LARGE if heavy else VehicleClass.FREIGHT_SMALL
    return VehicleClass.KEI_PASSENGER if kei else VehicleClass.PASSENGER


def _infer_use(hints: dict[str, str], plate: Plate | None) -> str | None:
    if "事業" in hints.get("PrivateBusiness", ""):
        return VehicleUse.COMMERCIAL
    if plate is None:
        return None
    if plate.is_rental:
        return VehicleUse.RENTAL
    return VehicleUse.COMMERCIAL if plate.is_commercial else VehicleUse.PRIVATE


def _given(raw: Any) -> bool:
    return not (raw is None or (isinstance(raw, str) and not raw.strip()))


def _remarks(raw: Any) -> str:
    # Kept as written (no NFKC): the certificate's remarks are the dealer's reference text.
    return _text(raw) if isinstance(raw, (dict, list, EraParts)) else str(raw).strip()


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "chassis_number": lambda raw: normalize_chassis_number(_text(raw)),
    "plate": lambda raw: parse_plate(_text(raw)),
    "first_registration": _year_month,
    "remarks": _remarks,
    "store_code": _text,
    "vehicle_class": lambda raw: _choice(raw, VehicleClass, _CLASS_ALIASES),
    "use": lambda raw: _choice(raw, VehicleUse, _USE_ALIASES),
    "shaken_expiry": _date,
    "odometer_km": _odometer,
    "equipment": lambda raw: _choice(raw, Equipment, _EQUIPMENT_ALIASES),
    "navi_paired": _bool,
    "car_name": _text,
    "model_code": lambda raw: normalize_model_code(_text(raw)),
}


def clean_row(row: SourceRow) -> VehicleRecord:
    """Clean one row; `record.errors` lists what is wrong (empty when the row is good)."""
    record = VehicleRecord(where=row.where)
    if row.problem:
        record.errors.append(("", row.problem))
        return record
    given = {column: raw for column, raw in row.values.items() if _given(raw)}
    parsed: dict[str, Any] = {}

    def attempt(column: str, parse: Callable[[Any], Any]) -> None:
        try:
            parsed[column] = parse(given[column])
        except ValidationError as exc:
            record.errors.extend((column, message) for message in exc.messages)

    if "chassis_number" not in given:
        record.errors.append(("chassis_number", _("Enter a chassis number.")))
    for column, parse in _PARSERS.items():
        if column in given:
            attempt(column, parse)
    for column, customer_field in CUSTOMER_COLUMNS.items():
        if column in given:
            attempt(column, _text)
            if column in parsed:
                record.customer[customer_field] = parsed[column]
    if record.errors:
        return record
    _fill(record, parsed, row.hints)
    return record


def _fill(record: VehicleRecord, parsed: dict[str, Any], hints: dict[str, str]) -> None:
    record.chassis_number = parsed["chassis_number"]
    record.model_code_from_chassis = model_code_from_chassis(record.chassis_number)
    record.store_code = parsed.get("store_code", "")
    values = record.values
    for column in ("car_name", "model_code", "vehicle_class", "use", "shaken_expiry", "odometer_km",
                   "equipment", "navi_paired"):  # fmt: skip
        if column in parsed:
            values[column] = parsed[column]
    plate = parsed.get("plate")
    if plate is not None:
        values.update(_plate_values(plate))
    if "first_registration" in parsed:
        values["first_registration_year"], values["first_registration_month"] = parsed["first_registration"]
    if "remarks" in parsed:
        values["remarks"] = parsed["remarks"]
        values["obd_inspection_target"] = OBD_REMARK in remove_spaces(nfkc(parsed["remarks"])).upper()
    if "vehicle_class" not in values and (inferred := _infer_class(hints)):
        values["vehicle_class"] = inferred
    if "use" not in values and (inferred := _infer_use(hints, plate)):
        values["use"] = inferred
