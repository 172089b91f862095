"""The health check report of one car, from its latest state and the recent trend.

Rules (the thresholds are the usual lead-acid 12 V figures; tune them here):

| item | rule |
|---|---|
| 12 V battery | resting voltage = the newest reading at or below 13.0 V (above that the alternator is charging and says nothing about the battery). ≥ 12.4 V good; 12.0–12.4 V weak; < 12.0 V replace. Also replace when the resting voltage falls by more than 0.3 V per 30 days (least-squares slope over the resting readings of the last 30 days; needs ≥ 5 readings spanning ≥ 7 days). No resting reading: unknown |
| smart key battery | the car's report: ok → good, low → replace, else unknown |
| engine oil | low (reported "low", or below 25 %) / ok / unknown |
| open warnings | every open warning with its meaning and advice in the reader's language |
| odometer | the car's latest report, else the dealer's record |
| data age | stale when the newest reading is more than 3 days old (values may be out of date) |

Four queries: state, readings of the window, open warnings, their meanings. Owner-facing: the
OBD check flag is not part of it (staff get it from vehicles.selectors.obd).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.utils import timezone

from vehicles.models import OilLevel, SmartKeyBattery, Vehicle, VehicleState, VehicleWarning
from vehicles.selectors.telemetry import diagnostic_codes_describe, telemetry_readings

BATTERY_GOOD_V = Decimal("12.4")
BATTERY_REPLACE_BELOW_V = Decimal("12.0")
CHARGING_ABOVE_V = Decimal("13.0")
TREND_WINDOW = dt.timedelta(days=30)
TREND_MAX_DROP_V = 0.3  # per 30 days
TREND_MIN_READINGS = 5
TREND_MIN_SPAN = dt.timedelta(days=7)
TREND_MAX_READINGS = 500
OIL_LOW_PERCENT = 25
STALE_AFTER = dt.timedelta(days=3)


@dataclass(frozen=True)
class BatteryHealth:
    status: str  # good / weak / replace / unknown
    resting_voltage: Decimal | None = None
    latest_voltage: Decimal | None = None
    change_per_30_days: float | None = None  # volts; negative = falling
    readings_used: int = 0


@dataclass(frozen=True)
class OilHealth:
    status: str  # ok / low / unknown
    percent: int | None = None


@dataclass(frozen=True)
class WarningSummary:
    code: str
    kind: str
    severity: str
    description: str
    advice: str
    opened_at: dt.datetime


@dataclass(frozen=True)
class HealthReport:
    vehicle_id: int
    generated_at: dt.datetime
    last_recorded_at: dt.datetime | None
    stale: bool
    odometer_km: int | None
    battery: BatteryHealth
    smart_key_battery: str  # good / replace / unknown
    oil: OilHealth
    open_warnings: list[WarningSummary] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return self.last_recorded_at is not None

    @property
    def data_age(self) -> dt.timedelta | None:
        return self.generated_at - self.last_recorded_at if self.last_recorded_at else None


def _slope_per_30_days(points: list[tuple[dt.datetime, Decimal]]) -> float | None:
    """Least-squares slope of voltage over time, in volts per 30 days."""
    if len(points) < TREND_MIN_READINGS:
        return None
    times = [t for t, _v in points]
    if max(times) - min(times) < TREND_MIN_SPAN:
        return None
    origin = min(times)
    xs = [(t - origin).total_seconds() / 86400 for t in times]
    ys = [float(v) for _t, v in points]
    slope, _intercept = statistics.linear_regression(xs, ys)
    return round(slope * TREND_WINDOW.days, 3)


def battery_health(readings: list[tuple[dt.datetime, Decimal]], state_voltage: Decimal | None = None) -> BatteryHealth:
    """The 12 V battery rule (module docstring) over (recorded_at, volts) pairs of the window."""
    ordered = sorted(readings, key=lambda point: point[0], reverse=True)
    latest = ordered[0][1] if ordered else state_voltage
    resting = [(t, v) for t, v in ordered if v <= CHARGING_ABOVE_V]
    current = resting[0][1] if resting else (state_voltage if state_voltage is not None and state_voltage <= CHARGING_ABOVE_V else None)
    if current is None:
        return BatteryHealth("unknown", latest_voltage=latest, readings_used=len(ordered))
    change = _slope_per_30_days(resting)
    if current < BATTERY_REPLACE_BELOW_V or (change is not None and -change > TREND_MAX_DROP_V):
        status = "replace"
    elif current < BATTERY_GOOD_V:
        status = "weak"
    else:
        status = "good"
    return BatteryHealth(status, current, latest, change, len(resting))


def oil_health(level: str, percent: int | None) -> OilHealth:
    if level == OilLevel.LOW or (percent is not None and percent < OIL_LOW_PERCENT):
        return OilHealth("low", percent)
    if level == OilLevel.OK or percent is not None:
        return OilHealth("ok", percent)
    return OilHealth("unknown", percent)


_SMART_KEY: dict[str, str] = {SmartKeyBattery.OK: "good", SmartKeyBattery.LOW: "replace"}


def health_report(vehicle: Vehicle, *, now: dt.datetime | None = None, language: str | None = None) -> HealthReport:
    """The report (module docstring) as of `now`, texts in `language` (default: the active one)."""
    now = now or timezone.now()
    state = VehicleState.objects.filter(vehicle=vehicle).first()
    # The filter drops readings without a voltage, which the row type cannot tell.
    points = cast(list[tuple[dt.datetime, Decimal]], list(
        telemetry_readings(vehicle=vehicle, since=now - TREND_WINDOW, until=now + dt.timedelta(minutes=5))
        .filter(battery_voltage__isnull=False)
        .values_list("recorded_at", "battery_voltage")[:TREND_MAX_READINGS]
    )) if state else []
    warnings = list(VehicleWarning.objects.filter(vehicle=vehicle, closed_at__isnull=True).order_by("opened_at", "code"))
    meanings = diagnostic_codes_describe([w.code for w in warnings], language=language) if warnings else {}
    return HealthReport(
        vehicle_id=vehicle.pk,
        generated_at=now,
        last_recorded_at=state.last_recorded_at if state else None,
        stale=state is None or now - state.last_recorded_at > STALE_AFTER,
        odometer_km=(state.odometer_km if state and state.odometer_km is not None else vehicle.odometer_km),
        battery=battery_health(points, state.battery_voltage if state else None),
        smart_key_battery=_SMART_KEY.get(state.smart_key_battery, "unknown") if state else "unknown",
        oil=oil_health(state.oil_level, state.oil_level_percent) if state else OilHealth("unknown"),
        open_warnings=[_summary(w, meanings.get(w.code)) for w in warnings],
    )


def _summary(warning: VehicleWarning, info) -> WarningSummary:
    return WarningSummary(
        code=warning.code, kind=warning.kind, severity=warning.severity,
        description=info.description if info else warning.code, advice=info.advice if info else "",
        opened_at=warning.opened_at,
    )
