"""Read side of telemetry: latest state, open warnings, recent readings of one car, and what a
warning code means (the admin-edited table first, python-obd's descriptions second).

python-obd ships English descriptions for the standard P0xxx and U codes only (domain §8);
B/C codes, maker-specific P1 codes and the lamps need a DiagnosticCode row.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vehicles.models import (
    DiagnosticCode,
    Severity,
    TelemetryReading,
    Vehicle,
    VehicleState,
    VehicleWarning,
    WarningKind,
)
from vehicles.parsing.telemetry_vocabulary import LAMP_PREFIX, THIRD_PARTY_DEVICE_CODE, code_kind


def vehicle_state_get(*, vehicle: Vehicle) -> VehicleState | None:
    """The car's latest reported values, or None if it never reported."""
    return VehicleState.objects.filter(vehicle=vehicle).first()


def warnings_open(*, vehicle: Vehicle) -> QuerySet[VehicleWarning]:
    return VehicleWarning.objects.filter(vehicle=vehicle, closed_at__isnull=True).order_by("opened_at", "code")


def telemetry_readings(*, vehicle: Vehicle, since: dt.datetime, until: dt.datetime | None = None) -> QuerySet[TelemetryReading]:
    """Readings of one car from `since` (newest first). Always bounded in time, so PostgreSQL
    reads only the partitions of that window."""
    readings = TelemetryReading.objects.filter(vehicle=vehicle, recorded_at__gte=since)
    if until is not None:
        readings = readings.filter(recorded_at__lt=until)
    return readings.order_by("-recorded_at")


# Severity of a code that has no row yet: a fault is worth a dealer's look; the device is not.
DEFAULT_SEVERITY: dict[str, str] = {
    WarningKind.DTC.value: Severity.SEE_DEALER_SOON.value,
    WarningKind.LAMP.value: Severity.SEE_DEALER_SOON.value,
    WarningKind.THIRD_PARTY_DEVICE.value: Severity.INFO.value,
}


@dataclass(frozen=True)
class CodeInfo:
    code: str
    kind: str
    severity: str
    description: str
    advice: str


@functools.cache
def _obd_descriptions() -> dict[str, str]:
    # Imported on first use: python-obd pulls in pint, which the web process rarely needs.
    from obd.codes import DTC

    return DTC


def _fallback(code: str, kind: str) -> CodeInfo:
    description = _obd_descriptions().get(code, "") if kind == WarningKind.DTC else ""
    return CodeInfo(
        code=code,
        kind=kind,
        severity=DEFAULT_SEVERITY[kind],
        description=description or _("Unknown code %(code)s") % {"code": code},
        advice=_("Have the car checked at your dealer."),
    )


def diagnostic_codes_describe(codes: Iterable[str], *, language: str | None = None) -> dict[str, CodeInfo]:
    """Meaning of each well-formed code in `codes` (one query), in Japanese or English."""
    wanted = {code for code in codes if code_kind(code)}
    english = (language or translation.get_language() or "ja").startswith("en")
    found: dict[str, CodeInfo] = {}
    for row in DiagnosticCode.objects.filter(code__in=wanted):
        found[row.code] = CodeInfo(
            code=row.code,
            kind=row.kind,
            severity=row.severity,
            description=(row.description_en if english else row.description_ja) or row.description_en or row.description_ja,
            advice=(row.advice_en if english else row.advice_ja) or row.advice_en or row.advice_ja,
        )
    with translation.override("en" if english else "ja"):
        for code in wanted - found.keys():
            found[code] = _fallback(code, code_kind(code) or WarningKind.DTC)
    return found


def diagnostic_code_describe(code: str, *, language: str | None = None) -> CodeInfo | None:
    """Meaning of one code, or None if it is not a well-formed warning code."""
    return diagnostic_codes_describe([code], language=language).get(code)


# What staff call each lamp (the protocol's names are codes, never shown on a page). The
# admin-edited DiagnosticCode table says what a lamp means and what to do; this is its name.
LAMP_LABELS = {
    "mil": gettext_lazy("Engine warning lamp"),
    "brake": gettext_lazy("Brake warning lamp"),
    "charging": gettext_lazy("Charging system warning lamp"),
    "oil_pressure": gettext_lazy("Oil pressure warning lamp"),
    "hybrid_system": gettext_lazy("Hybrid system warning"),
    "master_warning": gettext_lazy("Master warning"),
    "srs_airbag": gettext_lazy("SRS airbag warning lamp"),
    "abs": gettext_lazy("ABS warning lamp"),
    "eps": gettext_lazy("Power steering warning lamp"),
    "coolant_temp": gettext_lazy("High coolant temperature warning lamp"),
    "at": gettext_lazy("Transmission warning lamp"),
}


def lamp_label(lamp: str) -> str:
    """A lamp's name in the active language ('charging' -> 充電警告灯); unknown lamps read as a lamp."""
    label = LAMP_LABELS.get(lamp)
    return str(label) if label is not None else _("Warning lamp")


def warning_code_label(code: str) -> str:
    """How a warning code reads on a page: a lamp by its name, the third-party device in words,
    a DTC as itself (P0420: the code is what a technician looks up)."""
    if code.startswith(LAMP_PREFIX):
        return lamp_label(code[len(LAMP_PREFIX):])
    if code == THIRD_PARTY_DEVICE_CODE:
        return _("Third-party OBD-II device")
    return code
