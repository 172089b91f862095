"""Parse and validate a telemetry batch in plain Python (no serializer per reading: speed).

batch_parse() turns the decoded JSON body into rows ready for COPY, or raises BatchInvalid
with field messages per reading index:

    {"readings": {"3": {"battery_voltage": ["Must be between 0 and 20 V."]}}}

Nothing about the database is checked here except what the caller passes in (now, retention);
the odometer check against the car's last state is done by the ingest service.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeGuard, cast

from django.utils.translation import gettext as _

from vehicles.parsing.telemetry_vocabulary import DTC_RE, LAMPS

MAX_READINGS = 500
MAX_FUTURE = dt.timedelta(minutes=5)
MAX_ODOMETER_KM = 2_000_000
MAX_VOLTAGE = 20
# An odometer may read a little lower when two ECUs round differently; more is an error.
ODOMETER_BACKWARD_TOLERANCE_KM = 5
MAX_CODES = 100

MESSAGE_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
BATCH_FIELDS = frozenset({"message_id", "readings", "vin"})
READING_FIELDS = frozenset(
    {
        "recorded_at",
        "odometer_km",
        "battery_voltage",
        "smart_key_battery",
        "oil_level",
        "lamps",
        "dtcs_stored",
        "dtcs_pending",
        "third_party_device",
    }
)
STATES = frozenset({"ok", "low", "unknown"})

# Row layout after parsing (the ingest service prepends vehicle_id, batch_id, received_at).
ROW_COLUMNS = (
    "recorded_at",
    "odometer_km",
    "battery_voltage",
    "smart_key_battery",
    "oil_level",
    "oil_level_percent",
    "lamps",
    "dtcs_stored",
    "dtcs_pending",
    "third_party_device",
)
R_TIME, R_ODOMETER = 0, 1


class BatchInvalid(Exception):
    """The batch breaks a rule; .errors holds the field messages (a 400 body)."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__(errors)
        self.errors = errors


class VinMismatch(Exception):
    """A well-formed batch whose VIN is not the credential's car (a 409: nothing stored)."""

    def __init__(self, *, expected: str, reported: str):
        super().__init__(f"VIN {reported} is not this car's ({expected})")
        self.expected, self.reported = expected, reported

    @property
    def errors(self) -> dict[str, list[str]]:
        return {"vin": [_("This batch names another car (VIN %(vin)s): nothing was stored, and the dealer was told.") % {"vin": self.reported}]}


@dataclass(frozen=True, slots=True)
class ParsedBatch:
    message_id: str
    vin: str
    rows: list[tuple]  # in ROW_COLUMNS order
    latest: tuple  # the row with the newest recorded_at


class _Bad(Exception):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message


_NUMBER = (int, float)  # exact types: JSON gives no subclasses, and bool must not count
_NO_CODES: list[str] = []  # shared and never mutated: most readings report nothing


def _is_number(value: Any) -> TypeGuard[int | float]:
    return type(value) in _NUMBER


def _codes(value: Any, field: str, allowed) -> list[str]:
    if value is None or value == _NO_CODES:
        return _NO_CODES
    if type(value) is not list:
        raise _Bad(field, _("Expected a list of codes."))
    if len(value) > MAX_CODES:
        raise _Bad(field, _("At most %(n)d codes.") % {"n": MAX_CODES})
    for code in value:
        if type(code) is not str or not allowed(code):
            raise _Bad(field, _("Unknown code: %(code)r.") % {"code": code})
    # Order and repeats carry no meaning: store a canonical set.
    return sorted(set(value))


def _state(value: Any, field: str) -> str:
    if value is None:
        return "unknown"
    if value not in STATES:
        raise _Bad(field, _("Expected one of ok, low, unknown."))
    return value


def _time(value: Any, earliest: dt.datetime, latest: dt.datetime) -> dt.datetime:
    if type(value) is not str:
        raise _Bad("recorded_at", _("Expected an ISO 8601 date-time with a UTC offset."))
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _Bad("recorded_at", _("Expected an ISO 8601 date-time with a UTC offset.")) from None
    if when.tzinfo is None:
        raise _Bad("recorded_at", _("Include a UTC offset, e.g. +09:00."))
    if when > latest:
        raise _Bad("recorded_at", _("More than 5 minutes in the future."))
    if when < earliest:
        raise _Bad("recorded_at", _("Older than the retention period."))
    return when


def _reading(item: Any, earliest: dt.datetime, latest: dt.datetime) -> tuple:
    """One reading as a row. The hot loop of the endpoint: exact type checks, few calls.
    Bounds written as `not lo <= x <= hi` also reject NaN (every comparison with it fails)."""
    if type(item) is not dict:
        raise _Bad("non_field_errors", _("Expected an object."))
    if not READING_FIELDS.issuperset(item):
        raise _Bad(sorted(item.keys() - READING_FIELDS)[0], _("Unknown field."))
    if "recorded_at" not in item:
        raise _Bad("recorded_at", _("This field is required."))
    when = _time(item["recorded_at"], earliest, latest)
    get = item.get
    odometer = get("odometer_km")
    if odometer is not None and (type(odometer) is not int or not 0 <= odometer <= MAX_ODOMETER_KM):
        raise _Bad("odometer_km", _("Expected whole kilometres between 0 and 2,000,000."))
    voltage = get("battery_voltage")
    if voltage is not None:
        if type(voltage) not in _NUMBER or not 0 <= voltage <= MAX_VOLTAGE:
            raise _Bad("battery_voltage", _("Expected volts between 0 and 20."))
        voltage = Decimal(f"{voltage:.2f}")
    oil = get("oil_level")
    oil_percent = None
    if _is_number(oil):
        if not 0 <= oil <= 100:
            raise _Bad("oil_level", _("Expected ok, low, unknown or a percentage from 0 to 100."))
        oil_percent = round(oil)
        oil = "unknown"
    elif oil is not None and oil not in STATES:
        raise _Bad("oil_level", _("Expected ok, low, unknown or a percentage from 0 to 100."))
    third_party = get("third_party_device", False)
    if type(third_party) is not bool:
        raise _Bad("third_party_device", _("Expected true or false."))
    return (
        when,
        odometer,
        voltage,
        _state(get("smart_key_battery"), "smart_key_battery"),
        oil or "unknown",
        oil_percent,
        _codes(get("lamps"), "lamps", LAMPS.__contains__),
        _codes(get("dtcs_stored"), "dtcs_stored", DTC_RE.match),
        _codes(get("dtcs_pending"), "dtcs_pending", DTC_RE.match),
        third_party,
    )


def _header(data: Any) -> tuple[str, str, list]:
    if not isinstance(data, dict):
        raise BatchInvalid({"non_field_errors": [_("Expected a JSON object.")]})
    errors: dict[str, list[str]] = {}
    for field in sorted(data.keys() - BATCH_FIELDS):
        errors[field] = [_("Unknown field.")]
    message_id = data.get("message_id")
    if not isinstance(message_id, str) or not MESSAGE_ID_RE.match(message_id):
        errors["message_id"] = [_("Expected 1-64 characters: letters, digits, . _ : -")]
    vin = data.get("vin")
    if vin is not None and (not isinstance(vin, str) or not VIN_RE.match(vin)):
        errors["vin"] = [_("Expected a 17-character VIN.")]
    readings = data.get("readings")
    if not isinstance(readings, list) or not 1 <= len(readings) <= MAX_READINGS:
        errors["readings"] = [_("Send between 1 and %(n)d readings.") % {"n": MAX_READINGS}]
    if errors:
        raise BatchInvalid(errors)
    return cast(str, message_id), cast(str, vin or ""), cast(list, readings)


def _check_order(rows: list[tuple]) -> dict[str, dict[str, list[str]]]:
    """Times must be distinct and the odometer must not run backwards inside the batch."""
    errors: dict[str, dict[str, list[str]]] = {}
    previous_time = last_odometer = None
    for index in sorted(range(len(rows)), key=lambda i: rows[i][R_TIME]):
        when, odometer = rows[index][R_TIME], rows[index][R_ODOMETER]
        if when == previous_time:
            errors[str(index)] = {"recorded_at": [_("Another reading in this batch has the same time.")]}
        elif odometer is not None and last_odometer is not None and odometer < last_odometer - ODOMETER_BACKWARD_TOLERANCE_KM:
            errors[str(index)] = {"odometer_km": [_("Lower than an earlier reading in this batch.")]}
        previous_time = when
        if odometer is not None:
            last_odometer = odometer
    return errors


def batch_parse(data: Any, *, now: dt.datetime, retention_days: int) -> ParsedBatch:
    """Validate a decoded batch body; rows come back in ROW_COLUMNS order."""
    message_id, vin, readings = _header(data)
    earliest = now - dt.timedelta(days=retention_days)
    latest = now + MAX_FUTURE
    rows: list[tuple] = []
    errors: dict[str, dict[str, list[str]]] = {}
    for index, item in enumerate(readings):
        try:
            rows.append(_reading(item, earliest, latest))
        except _Bad as bad:
            errors[str(index)] = {bad.field: [bad.message]}
    if not errors:
        errors = _check_order(rows)
    if errors:
        raise BatchInvalid({"readings": errors})
    return ParsedBatch(message_id=message_id, vin=vin, rows=rows, latest=max(rows, key=lambda r: r[R_TIME]))
