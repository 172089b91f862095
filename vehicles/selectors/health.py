"""The health check report of one car, from its latest state and the recent trend.

Rules (the thresholds are the usual lead-acid 12 V figures; tune them here):

| item | rule |
|---|---|
| 12 V battery | resting voltage = the newest reading at or below 13.0 V (above that the alternator is charging and says nothing about the battery). ≥ 12.4 V good; 12.0–12.4 V weak; < 12.0 V replace. Also replace when the resting voltage falls by more than 0.3 V per 30 days: least-squares slope over the **daily medians** (Asia/Tokyo days) of the resting readings of the last 30 days, or since the battery was last replaced if later; needs ≥ 5 days spanning ≥ 7 days. No resting reading: unknown |
| smart key battery | the car's report: ok → good, low → replace, else unknown |
| engine oil | low (reported "low", or below 25 %) / ok / unknown |
| open warnings | every open warning with its meaning and advice in the reader's language |
| odometer | the car's latest report, else the dealer's record |
| data age | stale when the newest reading is more than 3 days old (values may be out of date) |

Why daily medians: the DCM reports every 60 s, so 30 days are ~43,000 readings; the rule used
to take the newest 500 (8 hours) and could never see 7 days. PostgreSQL reduces the window to at
most 30 rows (one per day: median and newest resting reading), and a median ignores the cranking
dips and surface-charge peaks of a single day.

Four queries: state, daily battery figures of the window, open warnings, their meanings. Owner-facing: the
OBD check flag is not part of it (staff get it from vehicles.selectors.obd).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Aggregate, DecimalField, FloatField, Max, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from dealers.selectors.calendar import BUSINESS_TZ
from vehicles.models import (
    OilLevel,
    ServiceItem,
    ServiceRecordItem,
    SmartKeyBattery,
    Vehicle,
    VehicleState,
    VehicleWarning,
)
from vehicles.selectors.telemetry import diagnostic_codes_describe, telemetry_readings

BATTERY_GOOD_V = Decimal("12.4")
BATTERY_REPLACE_BELOW_V = Decimal("12.0")
CHARGING_ABOVE_V = Decimal("13.0")
TREND_WINDOW = dt.timedelta(days=30)
TREND_MAX_DROP_V = 0.3  # per 30 days
TREND_MIN_DAYS = 5
TREND_MIN_SPAN = dt.timedelta(days=7)
OIL_LOW_PERCENT = 25
STALE_AFTER = dt.timedelta(days=3)


@dataclass(frozen=True)
class BatteryHealth:
    status: str  # good / weak / replace / unknown
    resting_voltage: Decimal | None = None
    latest_voltage: Decimal | None = None
    change_per_30_days: float | None = None  # volts; negative = falling
    days_used: int = 0  # days with resting readings in the trend window


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


@dataclass(frozen=True)
class BatteryDay:
    """One Asia/Tokyo day of resting readings: their median and the newest one."""

    day: dt.date
    median: Decimal
    latest_at: dt.datetime
    latest: Decimal


def _slope_per_30_days(days: list[BatteryDay]) -> float | None:
    """Least-squares slope of the daily medians over time, in volts per 30 days."""
    if len(days) < TREND_MIN_DAYS:
        return None
    first = min(d.day for d in days)
    if max(d.day for d in days) - first < TREND_MIN_SPAN:
        return None
    xs = [float((d.day - first).days) for d in days]
    ys = [float(d.median) for d in days]
    slope, _intercept = statistics.linear_regression(xs, ys)
    return round(slope * TREND_WINDOW.days, 3)


def battery_days(readings: list[tuple[dt.datetime, Decimal]]) -> list[BatteryDay]:
    """Reduce (recorded_at, volts) pairs to resting daily figures (the SQL of
    `_battery_days_query`, in Python: for callers that hold raw readings)."""
    by_day: dict[dt.date, list[tuple[dt.datetime, Decimal]]] = {}
    for at, volts in readings:
        if volts <= CHARGING_ABOVE_V:
            by_day.setdefault(at.astimezone(BUSINESS_TZ).date(), []).append((at, volts))
    days = []
    for day, points in sorted(by_day.items()):
        latest_at, latest = max(points, key=lambda point: point[0])
        median = Decimal(str(statistics.median(float(v) for _t, v in points))).quantize(Decimal("0.001"))
        days.append(BatteryDay(day, median, latest_at, latest))
    return days


def battery_health(readings: list[tuple[dt.datetime, Decimal]], state_voltage: Decimal | None = None) -> BatteryHealth:
    """The 12 V battery rule (module docstring) over raw (recorded_at, volts) pairs of the window."""
    latest = max(readings, key=lambda point: point[0])[1] if readings else state_voltage
    return battery_health_from_days(battery_days(readings), latest)


def battery_health_from_days(days: list[BatteryDay], latest: Decimal | None) -> BatteryHealth:
    """The 12 V battery rule over the window's daily resting figures; `latest` is the newest
    reading of any kind (the car's state)."""
    newest = max(days, key=lambda d: d.latest_at) if days else None
    current = newest.latest if newest else (latest if latest is not None and latest <= CHARGING_ABOVE_V else None)
    if current is None:
        return BatteryHealth("unknown", latest_voltage=latest)
    change = _slope_per_30_days(days)
    if current < BATTERY_REPLACE_BELOW_V or (change is not None and -change > TREND_MAX_DROP_V):
        status = "replace"
    elif current < BATTERY_GOOD_V:
        status = "weak"
    else:
        status = "good"
    return BatteryHealth(status, current, latest, change, len(days))


class _Median(Aggregate):
    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class _Newest(Aggregate):
    """The value of the newest reading of the group (its own expression ordered by time)."""

    template = "(array_agg(%(expressions)s ORDER BY recorded_at DESC))[1]"
    output_field = DecimalField(max_digits=4, decimal_places=2)


def _battery_days_query(vehicle: Vehicle, since: dt.datetime, until: dt.datetime) -> list[BatteryDay]:
    rows = (
        telemetry_readings(vehicle=vehicle, since=since, until=until)
        .filter(battery_voltage__isnull=False, battery_voltage__lte=CHARGING_ABOVE_V)
        .annotate(day=TruncDate("recorded_at", tzinfo=BUSINESS_TZ))
        .order_by("day")
        .values("day")
        .annotate(median=_Median("battery_voltage"), latest_at=Max("recorded_at"), latest=_Newest("battery_voltage"))
    )
    return [
        BatteryDay(row["day"], Decimal(str(row["median"])).quantize(Decimal("0.001")), row["latest_at"], row["latest"])
        for row in rows
    ]


def oil_health(level: str, percent: int | None) -> OilHealth:
    if level == OilLevel.LOW or (percent is not None and percent < OIL_LOW_PERCENT):
        return OilHealth("low", percent)
    if level == OilLevel.OK or percent is not None:
        return OilHealth("ok", percent)
    return OilHealth("unknown", percent)


_SMART_KEY: dict[str, str] = {SmartKeyBattery.OK: "good", SmartKeyBattery.LOW: "replace"}


def health_report(
    vehicle: Vehicle, *, now: dt.datetime | None = None, language: str | None = None,
    battery_replaced_at: dt.datetime | None = None,
) -> HealthReport:
    """The report (module docstring) as of `now`, texts in `language` (default: the active one).
    The battery trend starts no earlier than `battery_replaced_at` (a new battery's history)."""
    now = now or timezone.now()
    # The day the battery was last replaced rides along with the state (no extra query).
    replaced = ServiceRecordItem.objects.filter(vehicle=vehicle, item=ServiceItem.BATTERY_12V).order_by("-performed_on")
    state = VehicleState.objects.filter(vehicle=vehicle).annotate(
        battery_replaced_on=Subquery(replaced.values("performed_on")[:1])
    ).first()
    since = now - TREND_WINDOW
    replaced_on = getattr(state, "battery_replaced_on", None)
    if replaced_on is not None:  # from the day after the new battery went in
        replaced_at = dt.datetime.combine(replaced_on + dt.timedelta(days=1), dt.time(), BUSINESS_TZ)
        battery_replaced_at = max(battery_replaced_at or replaced_at, replaced_at)
    if battery_replaced_at is not None:
        since = max(since, battery_replaced_at)
    days = _battery_days_query(vehicle, since, now + dt.timedelta(minutes=5)) if state else []
    warnings = list(VehicleWarning.objects.filter(vehicle=vehicle, closed_at__isnull=True).order_by("opened_at", "code"))
    meanings = diagnostic_codes_describe([w.code for w in warnings], language=language) if warnings else {}
    return HealthReport(
        vehicle_id=vehicle.pk,
        generated_at=now,
        last_recorded_at=state.last_recorded_at if state else None,
        stale=state is None or now - state.last_recorded_at > STALE_AFTER,
        odometer_km=(state.odometer_km if state and state.odometer_km is not None else vehicle.odometer_km),
        battery=battery_health_from_days(days, state.battery_voltage if state else None),
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
