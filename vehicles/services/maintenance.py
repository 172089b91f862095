"""Condition-based maintenance (issue 11 §3): the menu, and the daily set-based refresh of every
car's pace and next due dates.

`maintenance_refresh(on=, now=)` runs inside the daily run, before its notice scans. It is a
few statements over all cars, no per-car Python:
1. seed the default menu for companies that have none;
2. bring the day roll-ups (TelemetryDay: per car and whole business day, the odometer range and
   the resting 12 V median; vehicles.services.telemetry_storage) up to yesterday: the days since
   the last run and any older day a late reading marked stale. The steps below read the
   roll-ups and today's readings, not 90 days of minute readings, so the daily work is about
   two days of readings plus 90 rows a car;
3. pace: one aggregate over the car's day roll-ups of the last 90 business days (first/last
   reading, lowest/highest km), upserted into VehicleMaintenance. A car whose window holds a reading above
   its newest one (meter or DCM replaced) is recomputed from the readings after the last higher
   one, and flagged for the dealer; the restart point is kept, so the old meter's readings never
   count again. Rules: ≥ 14 days of readings, the newest ≤ 3 days old, else time-based only;
4. the 12 V battery trend: least-squares slope of the daily medians of resting readings over the
   last 30 business days (from the roll-ups), from the day after the battery was last replaced (the health report's rule,
   vehicles.selectors.health), for the menu items that follow the trend;
5. due dates per car and menu item: the earlier of last done + interval months and the day the
   car reaches last done km + interval km at its pace; upserted where they changed, rows of items
   no longer on the menu deleted.

"Last done" is the latest service record of the item (vehicles.selectors.maintenance
.last_done_sql). A car with no record of an item has no interval due date (we do not know when it
was last done; guessing from the first registration would duplicate the periodic-inspection
notices that already go out on that schedule); the battery trend applies to every car.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from dealers.models import DealerCompany, Role, User
from dealers.services.audit import audit_record
from vehicles.models.maintenance import (
    DueAnchor,
    DueBasis,
    MaintenanceDue,
    MaintenanceItem,
    PaceBasis,
    VehicleMaintenance,
)
from vehicles.models.service_records import ServiceItem, ServiceRecordItem
from vehicles.parsing.telemetry import ODOMETER_BACKWARD_TOLERANCE_KM
from vehicles.selectors.health import BATTERY_REPLACE_BELOW_V, CHARGING_ABOVE_V, TREND_MAX_DROP_V, TREND_MIN_DAYS
from vehicles.selectors.maintenance import last_done_sql
from vehicles.services.telemetry_storage import (
    DAYS_TABLE,
    READINGS_TABLE,
    telemetry_days_roll,
    tokyo_day,
    tokyo_day_start,
)

PACE_WINDOW = dt.timedelta(days=90)
PACE_MIN_SPAN_DAYS = 14
STALE_AFTER = dt.timedelta(days=3)
BATTERY_WINDOW = dt.timedelta(days=30)
BATTERY_MIN_SPAN_DAYS = 7

# The menu every company starts with (values are the dealer's to change: Toyota publishes
# ranges by model). Oil filter: every second oil change, as its own interval.
DEFAULT_MENU: tuple[dict, ...] = (
    {"code": "engine_oil", "name_ja": "エンジンオイル", "name_en": "Engine oil", "interval_km": 15_000, "interval_months": 12,
     "severe_interval_km": 7_500, "severe_interval_months": 6, "position": 1},
    {"code": "oil_filter", "name_ja": "オイルフィルター", "name_en": "Oil filter", "interval_km": 30_000, "interval_months": 24,
     "severe_interval_km": 15_000, "severe_interval_months": 12, "position": 2},
    {"code": "brake_fluid", "name_ja": "ブレーキフルード", "name_en": "Brake fluid", "interval_months": 24, "position": 3},
    {"code": "battery_12v", "name_ja": "12Vバッテリー", "name_en": "12 V battery", "battery_trend": True, "position": 4},
)
_MENU_COLUMNS = ("code", "name_ja", "name_en", "interval_km", "interval_months", "severe_interval_km",
                 "severe_interval_months", "battery_trend", "position")

ITEM = MaintenanceItem._meta.db_table
STATE = VehicleMaintenance._meta.db_table
DUE = MaintenanceDue._meta.db_table
READINGS = READINGS_TABLE
DAYS = DAYS_TABLE


@dataclass(frozen=True)
class RefreshResult:
    menus_seeded: int
    paces: int
    battery_flags: int
    due_changed: int
    due_deleted: int


def menus_ensure() -> int:
    """Seed the default menu for every company that has no menu yet (one statement)."""
    columns = {name: [item.get(name) for item in DEFAULT_MENU] for name in _MENU_COLUMNS}
    columns["battery_trend"] = [bool(value) for value in columns["battery_trend"]]
    types = ("text", "text", "text", "int", "int", "int", "int", "bool", "int")
    unnest = ", ".join(f"%({name})s::{kind}[]" for name, kind in zip(_MENU_COLUMNS, types, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {ITEM} (company_id, {", ".join(_MENU_COLUMNS)}, active, updated_at)
            SELECT co.id, m.*, TRUE, now()
            FROM dealers_dealercompany co CROSS JOIN unnest({unnest}) AS m
            WHERE NOT EXISTS (SELECT 1 FROM {ITEM} i WHERE i.company_id = co.id)
            ON CONFLICT DO NOTHING""",  # noqa: S608 - names from model metadata; values are parameters
            columns,
        )
        return cursor.rowcount


_REPLACED_CTE = f"""replaced AS (  -- a new battery: its trend starts the day after
    SELECT i.vehicle_id, max(i.performed_on) AS replaced_on FROM {ServiceRecordItem._meta.db_table} i
    WHERE i.item = '{ServiceItem.BATTERY_12V.value}' AND i.performed_on >= %(battery_since_day)s
    GROUP BY i.vehicle_id
)"""  # noqa: S608 - names from model metadata and constants


def _verdict(n: str, span: str, per_30_days: str, volts: str) -> str:
    """The 12 V rule of the health report (vehicles.selectors.health) as SQL: the newest reading a
    resting one below the replace level, or the daily medians falling faster than allowed."""
    return (f"COALESCE(({n} >= {TREND_MIN_DAYS} AND {span} >= {BATTERY_MIN_SPAN_DAYS} AND -{per_30_days} > {TREND_MAX_DROP_V})"
            f" OR ({volts} <= {CHARGING_ABOVE_V} AND {volts} < {BATTERY_REPLACE_BELOW_V}), FALSE)")  # fmt: skip


# Today's readings per car, as a day roll-up row (today is not rolled up yet).
_TODAY_SQL = f"""
    SELECT r.vehicle_id, min(r.recorded_at) FILTER (WHERE r.odometer_km IS NOT NULL) AS first_at,
           max(r.recorded_at) FILTER (WHERE r.odometer_km IS NOT NULL) AS last_at, min(r.odometer_km) AS min_km,
           max(r.odometer_km) AS max_km,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY r.battery_voltage) FILTER (WHERE r.battery_voltage <= {CHARGING_ABOVE_V}) AS median
    FROM {READINGS} r
    WHERE r.recorded_at >= %(today_at)s AND r.recorded_at <= %(until)s
    GROUP BY r.vehicle_id"""  # noqa: S608 - names and constants


def _pace_sql() -> str:
    """Upsert every car's pace and battery verdict from one pass over its day roll-ups of the
    window and today's readings (module docstring); the rare car whose odometer went backwards
    is recomputed from its readings after the jump."""
    span = "extract(epoch FROM (p.last_at - p.first_at)) / 86400.0"
    return f"""
WITH {_REPLACED_CTE},
agg AS (  -- the day roll-ups (whole days: 90 rows a car, not 90 days of readings) and today's readings
    SELECT x.vehicle_id, min(x.first_at) AS first_at, max(x.last_at) AS last_at, min(x.min_km) AS min_km, max(x.max_km) AS max_km,
           regr_slope(x.median, x.day_no) * 30 AS per_30_days, count(x.median) AS n, max(x.day_no) - min(x.day_no) AS span
    FROM (
        -- median and day_no only on the battery window's days with a median (the trend's points)
        SELECT d.vehicle_id, d.first_at, d.last_at, d.min_km, d.max_km,
               CASE WHEN d.day > %(battery_since_day)s THEN d.battery_median END AS median,
               CASE WHEN d.day > %(battery_since_day)s AND d.battery_median IS NOT NULL THEN d.day - DATE '2000-01-01' END AS day_no
        FROM {DAYS} d
        WHERE d.day >= %(since_day)s AND d.day < %(until_day)s
        UNION ALL
        SELECT t.vehicle_id, t.first_at, t.last_at, t.min_km, t.max_km, t.median,
               CASE WHEN t.median IS NOT NULL THEN %(until_day)s::date - DATE '2000-01-01' END
        FROM ({_TODAY_SQL}) t
    ) x
    GROUP BY x.vehicle_id
    HAVING count(x.min_km) > 0  -- a pace needs the odometer; the battery of other cars: _battery_sql
),
-- A battery replaced within the window: its trend from the day after, car by car (rare).
renewed AS (
    SELECT rp.vehicle_id, regr_slope(y.median, y.day - DATE '2000-01-01') * 30 AS per_30_days, count(y.median) AS n,
           max(y.day) - min(y.day) AS span
    FROM replaced rp
    LEFT JOIN LATERAL (
        SELECT d.day, d.battery_median AS median FROM {DAYS} d
        WHERE d.vehicle_id = rp.vehicle_id AND d.day > GREATEST(%(battery_since_day)s, rp.replaced_on) AND d.day < %(until_day)s
          AND d.battery_median IS NOT NULL
        UNION ALL
        SELECT %(until_day)s, t.median FROM ({_TODAY_SQL}) t
        WHERE t.vehicle_id = rp.vehicle_id AND t.median IS NOT NULL AND %(until_day)s::date > rp.replaced_on
    ) y ON TRUE
    GROUP BY rp.vehicle_id
),
trend AS (
    SELECT a.vehicle_id, a.first_at, a.last_at, a.min_km, a.max_km,
           CASE WHEN w.vehicle_id IS NULL THEN a.per_30_days ELSE w.per_30_days END AS per_30_days,
           CASE WHEN w.vehicle_id IS NULL THEN a.n ELSE w.n END AS n,
           CASE WHEN w.vehicle_id IS NULL THEN a.span ELSE w.span END AS span
    FROM agg a LEFT JOIN renewed w ON w.vehicle_id = a.vehicle_id
),
cur AS (
    SELECT a.*, s.odometer_km AS now_km, s.battery_voltage AS now_v, m.odometer_reset_at AS old_reset
    FROM trend a
    JOIN vehicles_vehiclestate s ON s.vehicle_id = a.vehicle_id
    LEFT JOIN {STATE} m ON m.vehicle_id = a.vehicle_id
),
-- Cars with a reading above their newest one in the window (a new jump backwards), or whose
-- earlier restart is still inside the window: only readings after the restart count.
rolled AS (
    SELECT c.vehicle_id, c.old_reset,
           GREATEST(c.old_reset, (SELECT max(r.recorded_at) FROM {READINGS} r
                                  WHERE r.vehicle_id = c.vehicle_id AND r.recorded_at >= %(since)s
                                    AND r.recorded_at <= %(until)s AND r.odometer_km > c.now_km + %(tolerance)s)) AS reset_at
    FROM cur c
    WHERE c.max_km > c.now_km + %(tolerance)s OR c.old_reset > %(since)s
),
again AS (
    SELECT rl.vehicle_id, rl.reset_at, rl.old_reset, min(r.recorded_at) AS first_at, max(r.recorded_at) AS last_at,
           min(r.odometer_km) AS min_km, max(r.odometer_km) AS max_km
    FROM rolled rl
    LEFT JOIN {READINGS} r ON r.vehicle_id = rl.vehicle_id AND r.recorded_at > rl.reset_at
         AND r.recorded_at <= %(until)s AND r.odometer_km IS NOT NULL
    GROUP BY rl.vehicle_id, rl.reset_at, rl.old_reset
),
p AS (
    SELECT c.vehicle_id,
           CASE WHEN g.vehicle_id IS NULL THEN c.first_at ELSE g.first_at END AS first_at,
           CASE WHEN g.vehicle_id IS NULL THEN c.last_at ELSE g.last_at END AS last_at,
           CASE WHEN g.vehicle_id IS NULL THEN c.min_km ELSE g.min_km END AS min_km,
           CASE WHEN g.vehicle_id IS NULL THEN c.max_km ELSE g.max_km END AS max_km,
           c.now_km, COALESCE(g.reset_at, c.old_reset) AS reset_at,
           (g.reset_at IS NOT NULL AND g.reset_at IS DISTINCT FROM g.old_reset) AS new_reset,
           {_verdict("c.n", "c.span", "c.per_30_days", "c.now_v")} AS battery_replace
    FROM cur c LEFT JOIN again g ON g.vehicle_id = c.vehicle_id
)
INSERT INTO {STATE} AS m (vehicle_id, basis, km_per_day, first_at, last_at, odometer_km, odometer_reset_at,
                          odometer_reset_flagged, severe_use, battery_replace, refreshed_on)
SELECT p.vehicle_id,
       CASE WHEN p.first_at IS NULL THEN '{PaceBasis.ODOMETER_RESET.value}'
            WHEN p.last_at < %(stale_before)s THEN '{PaceBasis.STALE.value}'
            WHEN {span} < {PACE_MIN_SPAN_DAYS} AND p.reset_at > %(since)s THEN '{PaceBasis.ODOMETER_RESET.value}'
            WHEN {span} < {PACE_MIN_SPAN_DAYS} THEN '{PaceBasis.TOO_LITTLE.value}'
            ELSE '{PaceBasis.OK.value}' END,
       CASE WHEN {span} > 0 THEN round(((p.max_km - p.min_km) / ({span}))::numeric, 1) END,
       p.first_at, p.last_at, p.now_km, p.reset_at, p.new_reset, FALSE, p.battery_replace, %(on)s
FROM p
ON CONFLICT (vehicle_id) DO UPDATE SET
    basis = EXCLUDED.basis, km_per_day = EXCLUDED.km_per_day, first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at,
    odometer_km = EXCLUDED.odometer_km, odometer_reset_at = EXCLUDED.odometer_reset_at,
    odometer_reset_flagged = m.odometer_reset_flagged OR EXCLUDED.odometer_reset_flagged,
    battery_replace = EXCLUDED.battery_replace, refreshed_on = EXCLUDED.refreshed_on
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def _pace_forget_sql() -> str:
    """Cars with no odometer reading in the window any more: time-based only."""
    return f"""UPDATE {STATE} SET basis = '{PaceBasis.NO_TELEMETRY.value}', km_per_day = NULL, refreshed_on = %(on)s
               WHERE refreshed_on IS DISTINCT FROM %(on)s AND basis <> '{PaceBasis.NO_TELEMETRY.value}'"""  # noqa: S608


def _battery_sql() -> str:
    """The battery verdict of the cars the pace did not refresh (no odometer reading in the
    window), car by car: usually none or a few."""
    return f"""
WITH {_REPLACED_CTE},
left_out AS (SELECT m.vehicle_id FROM {STATE} m WHERE m.refreshed_on IS DISTINCT FROM %(on)s),
all_days AS (  -- the daily medians of the resting readings: the day roll-ups', and today's
    SELECT l.vehicle_id, d.day, d.battery_median AS median
    FROM left_out l JOIN {DAYS} d ON d.vehicle_id = l.vehicle_id
    WHERE d.day > %(battery_since_day)s AND d.day < %(until_day)s AND d.battery_median IS NOT NULL
    UNION ALL
    SELECT l.vehicle_id, %(until_day)s, t.median
    FROM left_out l CROSS JOIN LATERAL (
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.battery_voltage) AS median FROM {READINGS} r
        WHERE r.vehicle_id = l.vehicle_id AND r.recorded_at >= %(today_at)s AND r.recorded_at <= %(until)s
          AND r.battery_voltage <= {CHARGING_ABOVE_V}) t
    WHERE t.median IS NOT NULL
),
days AS (
    SELECT a.* FROM all_days a LEFT JOIN replaced x ON x.vehicle_id = a.vehicle_id
    WHERE x.replaced_on IS NULL OR a.day > x.replaced_on
),
trend AS (
    SELECT vehicle_id, regr_slope(median, day - DATE '2000-01-01') * 30 AS per_30_days, count(*) AS n,
           max(day) - min(day) AS span
    FROM days GROUP BY vehicle_id
),
verdict AS (
    SELECT l.vehicle_id, {_verdict("t.n", "t.span", "t.per_30_days", "s.battery_voltage")} AS replace
    FROM left_out l
    LEFT JOIN trend t ON t.vehicle_id = l.vehicle_id
    LEFT JOIN vehicles_vehiclestate s ON s.vehicle_id = l.vehicle_id
)
UPDATE {STATE} m SET battery_replace = v.replace
FROM verdict v WHERE v.vehicle_id = m.vehicle_id AND m.battery_replace IS DISTINCT FROM v.replace
"""  # noqa: S608 - names from model metadata and constants


def _due_sql() -> str:
    """Upsert each car's due date per active menu item (module docstring); returns changed rows."""
    months = "CASE WHEN COALESCE(m.severe_use, FALSE) THEN COALESCE(i.severe_interval_months, i.interval_months) ELSE i.interval_months END"
    km = "CASE WHEN COALESCE(m.severe_use, FALSE) THEN COALESCE(i.severe_interval_km, i.interval_km) ELSE i.interval_km END"
    return f"""
WITH last_done AS ({last_done_sql()}),
-- Only the pairs that can have a date: an item done before, or a trend item of a car whose
-- battery trend says replace (the others would be filtered out below anyway).
cand AS (
    SELECT v.id AS vehicle_id, i.id AS item_id, i.battery_trend AND COALESCE(m.battery_replace, FALSE) AS trend_due,
           ({months}) AS months, ({km}) AS km, ld.done_on, ld.done_km, m.basis, m.km_per_day, m.odometer_km, m.last_at
    FROM last_done ld
    JOIN vehicles_vehicle v ON v.id = ld.vehicle_id
    JOIN {ITEM} i ON i.company_id = v.company_id AND i.active AND i.code = ld.code
    LEFT JOIN {STATE} m ON m.vehicle_id = v.id
    UNION ALL
    SELECT v.id, i.id, TRUE, ({months}), ({km}), NULL, NULL, m.basis, m.km_per_day, m.odometer_km, m.last_at
    FROM {STATE} m
    JOIN vehicles_vehicle v ON v.id = m.vehicle_id
    JOIN {ITEM} i ON i.company_id = v.company_id AND i.active AND i.battery_trend
    WHERE m.battery_replace AND NOT EXISTS (SELECT 1 FROM last_done ld WHERE ld.vehicle_id = v.id AND ld.code = i.code)
),
dates AS (
    SELECT c.*,
           CASE WHEN c.trend_due THEN %(on)s::date END AS trend_on,
           CASE WHEN c.done_on IS NOT NULL AND c.months IS NOT NULL THEN (c.done_on + make_interval(months => c.months))::date
           END AS time_on,
           CASE WHEN c.done_on IS NOT NULL AND c.km IS NOT NULL AND c.basis = '{PaceBasis.OK.value}' AND c.km_per_day > 0
                     AND c.done_km IS NOT NULL AND c.odometer_km >= c.done_km
                THEN (c.last_at AT TIME ZONE 'Asia/Tokyo')::date
                     + ceil((c.done_km + c.km - c.odometer_km) / c.km_per_day)::int
           END AS distance_on
    FROM cand c
),
due AS (
    SELECT d.vehicle_id, d.item_id, LEAST(d.trend_on, d.time_on, d.distance_on) AS due_on,
           CASE WHEN d.trend_on IS NOT NULL AND d.trend_on <= LEAST(d.time_on, d.distance_on, d.trend_on) THEN '{DueBasis.TREND.value}'
                WHEN d.distance_on IS NOT NULL AND d.distance_on <= COALESCE(d.time_on, d.distance_on) THEN '{DueBasis.DISTANCE.value}'
                ELSE '{DueBasis.TIME.value}' END AS basis,
           CASE WHEN d.done_on IS NOT NULL AND d.km IS NOT NULL THEN d.done_km + d.km END AS due_km,
           CASE WHEN d.done_on IS NOT NULL THEN '{DueAnchor.RECORD.value}' ELSE '{DueAnchor.NONE.value}' END AS anchor,
           d.done_on AS anchor_on, d.done_km AS anchor_km
    FROM dates d
    WHERE COALESCE(d.trend_on, d.time_on, d.distance_on) IS NOT NULL
),
gone AS (
    DELETE FROM {DUE} x WHERE NOT EXISTS (SELECT 1 FROM due WHERE due.vehicle_id = x.vehicle_id AND due.item_id = x.item_id)
    RETURNING 1
),
changed AS (
    INSERT INTO {DUE} AS x (vehicle_id, item_id, due_on, basis, due_km, anchor, anchor_on, anchor_km, refreshed_on)
    SELECT vehicle_id, item_id, due_on, basis, due_km, anchor, anchor_on, anchor_km, %(on)s FROM due
    ON CONFLICT (vehicle_id, item_id) DO UPDATE SET
        due_on = EXCLUDED.due_on, basis = EXCLUDED.basis, due_km = EXCLUDED.due_km, anchor = EXCLUDED.anchor,
        anchor_on = EXCLUDED.anchor_on, anchor_km = EXCLUDED.anchor_km, refreshed_on = EXCLUDED.refreshed_on
    WHERE (x.due_on, x.basis, x.due_km, x.anchor, x.anchor_on, x.anchor_km)
          IS DISTINCT FROM (EXCLUDED.due_on, EXCLUDED.basis, EXCLUDED.due_km, EXCLUDED.anchor, EXCLUDED.anchor_on, EXCLUDED.anchor_km)
    RETURNING 1
)
SELECT (SELECT count(*) FROM changed), (SELECT count(*) FROM gone)
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def _window(on: dt.date, now: dt.datetime) -> dict[str, Any]:
    # The windows are whole business days: the 90 (pace) and 30 (battery) days ending today,
    # today being read from the readings, the days before from the roll-ups.
    since_day = tokyo_day(now - PACE_WINDOW) + dt.timedelta(days=1)
    return {
        "since": tokyo_day_start(since_day), "since_day": since_day, "until": now, "until_day": tokyo_day(now),
        "today_at": tokyo_day_start(tokyo_day(now)), "battery_since_day": tokyo_day(now - BATTERY_WINDOW),
        "stale_before": now - STALE_AFTER, "on": on, "tolerance": ODOMETER_BACKWARD_TOLERANCE_KM,
    }


def pace_refresh(*, on: dt.date, now: dt.datetime) -> int:
    """The pace and battery verdict of every car with odometer readings in the window."""
    with connection.cursor() as cursor:
        cursor.execute(_pace_sql(), _window(on, now))
        return cursor.rowcount


def battery_refresh(*, on: dt.date, now: dt.datetime) -> int:
    """The cars pace_refresh left out (no odometer reading in the window): their battery verdict,
    then their pace goes (time-based only). Run after pace_refresh."""
    params = _window(on, now)
    with connection.cursor() as cursor:
        cursor.execute(_battery_sql(), params)
        flags = cursor.rowcount
        cursor.execute(_pace_forget_sql(), params)
    return flags


def due_refresh(*, on: dt.date) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(_due_sql(), {"on": on})
        changed, deleted = cursor.fetchone()
    return changed, deleted


@transaction.atomic
def maintenance_refresh(*, on: dt.date, now: dt.datetime) -> RefreshResult:
    """The daily refresh (module docstring); idempotent, set-based, safe to run twice."""
    with connection.cursor() as cursor:
        # The aggregates and the battery medians' sort stay in memory (the default 4 MB spills
        # them to disk at a few thousand cars); for this transaction only.
        cursor.execute("SET LOCAL work_mem = '64MB'")
    seeded = menus_ensure()
    telemetry_days_roll(now=now)
    paces = pace_refresh(on=on, now=now)
    flags = battery_refresh(on=on, now=now)
    changed, deleted = due_refresh(on=on)
    return RefreshResult(seeded, paces, flags, changed, deleted)


# --- the menu, edited by company admins ------------------------------------------------------

ITEM_FIELDS = ("name_ja", "name_en", "interval_km", "interval_months", "severe_interval_km", "severe_interval_months",
               "battery_trend", "active", "position")


def _check_admin(company: DealerCompany, actor: User) -> None:
    if actor.role != Role.COMPANY_ADMIN or actor.company_id != company.pk:
        raise PermissionDenied


@transaction.atomic
def maintenance_item_save(*, company: DealerCompany, actor: User, code: str, **values) -> MaintenanceItem:
    """Create or change one menu item (by code), validated by the model's rules and audited with
    the previous values. Due dates follow from the next daily refresh."""
    _check_admin(company, actor)
    unknown = set(values) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown menu item fields: {sorted(unknown)}")
    item = MaintenanceItem.objects.select_for_update().filter(company=company, code=code).first()
    previous = {name: getattr(item, name) for name in ITEM_FIELDS} if item else None
    item = item or MaintenanceItem(company=company, code=code)
    for name, value in values.items():
        setattr(item, name, value)
    if item.interval_km is None and item.interval_months is None and not item.battery_trend:
        raise ValidationError(_("Give an interval in km or months (or follow the battery trend)."))
    item.full_clean(exclude=["company"], validate_constraints=False)
    item.save()
    audit_record(action="maintenance_item.save", target=item, actor=actor, company=company, previous=previous,
                 code=code, **{name: getattr(item, name) for name in ITEM_FIELDS})
    return item


def maintenance_menu_for(company: DealerCompany) -> list[MaintenanceItem]:
    """The company's menu, seeded with the defaults the first time it is asked for."""
    if not MaintenanceItem.objects.filter(company=company).exists():
        MaintenanceItem.objects.bulk_create(
            [MaintenanceItem(company=company, **item) for item in DEFAULT_MENU], ignore_conflicts=True
        )
    return list(MaintenanceItem.objects.filter(company=company).order_by("position", "id"))
