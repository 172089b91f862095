"""The dealer-side OBD check flag (domain §2): staff only, never in anything an owner sees.

For a car whose certificate says OBD検査対象, an open DTC that the code table marks as safety or
emissions related means the car *may* fail the OBD check of the shaken. The pass/fail list is
the maker's (held by NALTEC), so this is a prompt to verify at intake, never a verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from vehicles.models import DiagnosticCode, Vehicle, VehicleWarning, WarningKind
from vehicles.selectors.telemetry import diagnostic_codes_describe

OBD_CHECK_MESSAGE = _("May fail the OBD check: verify at intake.")


@dataclass(frozen=True)
class ObdCheckFlag:
    vehicle_id: int
    code: str
    description: str
    opened_at: dt.datetime
    message: str


def _flagged_warnings(vehicle_ids: Iterable[int]):
    flagged_codes = DiagnosticCode.objects.filter(obd_check_related=True, kind=WarningKind.DTC).values("code")
    return (
        VehicleWarning.objects.filter(
            vehicle_id__in=list(vehicle_ids), vehicle__obd_inspection_target=True, closed_at__isnull=True,
            kind=WarningKind.DTC, code__in=flagged_codes,
        )
        .order_by("vehicle_id", "opened_at", "code")
    )


def obd_check_flags_for(vehicle_ids: Iterable[int]) -> dict[int, list[ObdCheckFlag]]:
    """Flags per car, for a list of cars: two queries whatever the number."""
    warnings = list(_flagged_warnings(vehicle_ids))
    meanings = diagnostic_codes_describe({w.code for w in warnings}) if warnings else {}
    flags: dict[int, list[ObdCheckFlag]] = {}
    for warning in warnings:
        info = meanings.get(warning.code)
        flags.setdefault(warning.vehicle_id, []).append(
            ObdCheckFlag(warning.vehicle_id, warning.code, info.description if info else "", warning.opened_at, str(OBD_CHECK_MESSAGE))
        )
    return flags


def obd_check_flags(vehicle: Vehicle) -> list[ObdCheckFlag]:
    """The car's flags; none (and no query) unless it is an OBD検査対象 car."""
    if not vehicle.obd_inspection_target:
        return []
    return obd_check_flags_for([vehicle.pk]).get(vehicle.pk, [])
