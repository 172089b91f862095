"""The daily run benchmark's condition-based maintenance part (issue 11 §5).

Seeds a history of telemetry for the first N cars (one reading a day by default, ending now):
each car drives 10 + id % 60 km a day; one car in 100 has a 12 V battery falling 0.4 V over the
last 30 days; one in 1,000 had its meter replaced 30 days ago (the odometer restarts near 0).
Then, per business date, in a rolled-back transaction:
- times the maintenance refresh (pace, battery trend, due dates) and each of its statements;
- times the bound: the refresh reads the day roll-ups (TelemetryDay, one row per car and
  business day; the seed rolls them up once, committed, as the previous day's run would have)
  and rolls up the readings since the last run, so its bound is a bare INSERT … SELECT of the
  same 90-day aggregate (first/last reading, lowest/highest km per car) over the day roll-ups,
  and today's readings, plus a bare INSERT … SELECT of the same per-day aggregate over the
  readings it rolls up (yesterday's), each into a fresh table with a primary key. With one reading a
  day (this seed) the roll-ups hold as many rows as the readings they replace, so this bound
  does the same work as the aggregate over the raw readings (also timed and printed: the
  issue's bound before the roll-ups); with minute readings they hold 1,440 times fewer;
and checks the refresh's answers (verdict fails on a wrong one): every car with history has a
pace row, the paces are the seeded km/day, every replaced meter is flagged and restarted, every
failing battery (and no other) is flagged.
"""

from __future__ import annotations

import datetime as dt
import time

BATTERY_EVERY = 100  # cars with id % 100 == 7 have a failing battery
RESET_EVERY = 1000  # cars with id % 1000 == 3 had their meter replaced 30 days ago
RESET_DAYS_AGO = 30

# The bound before the roll-ups: the 90-day aggregate over the raw readings.
READINGS_BOUND_SQL = """
CREATE TABLE bench_pace_bound_raw (vehicle_id bigint PRIMARY KEY, first_at timestamptz, last_at timestamptz,
                                   min_km integer, max_km integer);
INSERT INTO bench_pace_bound_raw
SELECT r.vehicle_id, min(r.recorded_at), max(r.recorded_at), min(r.odometer_km), max(r.odometer_km)
FROM vehicles_telemetryreading r
WHERE r.recorded_at > %(since)s AND r.recorded_at <= %(until)s AND r.odometer_km IS NOT NULL
GROUP BY r.vehicle_id;
"""

# The same aggregates over the rows the refresh reads: the readings of the whole days it rolls up
# (yesterday), per car and day; then the 90-day aggregate over the day roll-ups and today's readings.
BOUND_SQL = """
CREATE TABLE bench_roll_bound (vehicle_id bigint, day date, first_at timestamptz, last_at timestamptz, min_km integer,
                               max_km integer, PRIMARY KEY (vehicle_id, day));
INSERT INTO bench_roll_bound
SELECT r.vehicle_id, (r.recorded_at AT TIME ZONE 'Asia/Tokyo')::date, min(r.recorded_at), max(r.recorded_at),
       min(r.odometer_km), max(r.odometer_km)
FROM vehicles_telemetryreading r
WHERE r.recorded_at >= %(from_at)s AND r.recorded_at < %(today_at)s AND r.odometer_km IS NOT NULL
GROUP BY 1, 2;
CREATE TABLE bench_pace_bound (vehicle_id bigint PRIMARY KEY, first_at timestamptz, last_at timestamptz,
                               min_km integer, max_km integer);
INSERT INTO bench_pace_bound
SELECT x.vehicle_id, min(x.first_at), max(x.last_at), min(x.min_km), max(x.max_km)
FROM (SELECT d.vehicle_id, d.first_at, d.last_at, d.min_km, d.max_km FROM vehicles_telemetryday d
      WHERE d.day >= %(since_day)s AND d.day < %(until_day)s AND d.min_km IS NOT NULL
      UNION ALL
      SELECT r.vehicle_id, r.recorded_at, r.recorded_at, r.odometer_km, r.odometer_km FROM vehicles_telemetryreading r
      WHERE r.recorded_at >= %(today_at)s AND r.recorded_at <= %(until)s AND r.odometer_km IS NOT NULL) x
GROUP BY x.vehicle_id;
"""

_SEED_SQL = f"""
WITH cars AS (SELECT id FROM vehicles_vehicle ORDER BY id LIMIT %(cars)s)
INSERT INTO vehicles_telemetryreading (vehicle_id, batch_id, recorded_at, received_at, odometer_km, battery_voltage,
                                       smart_key_battery, oil_level)
SELECT c.id, 0, t.at, t.at,
       CASE WHEN c.id %% {RESET_EVERY} = 3 AND g.d >= %(days)s - {RESET_DAYS_AGO}
            THEN 10 + (g.d - (%(days)s - {RESET_DAYS_AGO})) * (10 + c.id %% 60)
            ELSE 20000 + g.d * (10 + c.id %% 60) END,
       CASE WHEN c.id %% {BATTERY_EVERY} = 7 AND g.d >= %(days)s - 30 THEN round(12.8 - 0.4 * (g.d - (%(days)s - 30)) / 29.0, 2)
            ELSE 12.60 END,
       'ok', 'ok'
FROM cars c
CROSS JOIN generate_series(0, %(days)s - 1) AS g(d)
CROSS JOIN LATERAL (SELECT %(end)s::timestamptz - (%(days)s - 1 - g.d) * interval '1 day' - (c.id %% 600) * interval '1 second' AS at) t
"""  # noqa: S608 - constants

_STATE_SQL = """
INSERT INTO vehicles_vehiclestate AS s (vehicle_id, last_recorded_at, updated_at, odometer_km, battery_voltage,
                                        smart_key_battery, oil_level, lamps, dtcs_stored, dtcs_pending,
                                        third_party_device, vin)
SELECT DISTINCT ON (r.vehicle_id) r.vehicle_id, r.recorded_at, now(), r.odometer_km, r.battery_voltage, 'ok', 'ok',
       '{}', '{}', '{}', FALSE, ''
FROM vehicles_telemetryreading r
WHERE r.recorded_at > %(end)s::timestamptz - interval '2 days'
ORDER BY r.vehicle_id, r.recorded_at DESC
ON CONFLICT (vehicle_id) DO UPDATE SET last_recorded_at = EXCLUDED.last_recorded_at, odometer_km = EXCLUDED.odometer_km,
    battery_voltage = EXCLUDED.battery_voltage
"""


# Every car with history had its oil changed (id % 330) days ago, at the odometer of that day
# (the seeded formula): its oil is due by distance or by time, some soon, some overdue.
_RECORDS_SQL = """
WITH cars AS (
    SELECT v.id, v.company_id, (SELECT s.id FROM dealers_store s WHERE s.company_id = v.company_id ORDER BY s.id LIMIT 1) AS store_id,
           (v.id %% 330)::int AS days_ago
    FROM vehicles_vehicle v ORDER BY v.id LIMIT %(cars)s
),
rec AS (
    INSERT INTO vehicles_servicerecord (company_id, store_id, vehicle_id, performed_on, odometer_km, meter_replaced, source,
                                        external_id, note, shaken_expiry_applied, created_at)
    SELECT c.company_id, c.store_id, c.id, (%(end)s::timestamptz AT TIME ZONE 'Asia/Tokyo')::date - c.days_ago,
           20000 + (%(days)s - 1 - c.days_ago) * (10 + c.id %% 60), FALSE, 'import', '', '', FALSE, now()
    FROM cars c WHERE c.store_id IS NOT NULL AND c.days_ago < %(days)s
    RETURNING id, vehicle_id, performed_on, odometer_km
)
INSERT INTO vehicles_servicerecorditem (record_id, vehicle_id, item, label, performed_on, odometer_km)
SELECT rec.id, rec.vehicle_id, 'engine_oil', '', rec.performed_on, rec.odometer_km FROM rec
"""


class _Rollback(Exception):
    pass


def seed(cars: int, days: int, end: dt.datetime) -> int:
    """Seed the history once (a marker row in bench_odometer_seed says it is there)."""
    from django.db import connection, transaction

    from vehicles.services.telemetry_storage import telemetry_partitions_ensure

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_odometer_seed (cars int, days int, readings bigint)")
        cursor.execute("SELECT readings FROM bench_odometer_seed WHERE cars = %s AND days = %s", [cars, days])
        row = cursor.fetchone()
        if row:
            _records_seed(cursor, cars, days, end)
            _days_seed(end)
            return row[0]
        cursor.execute("SELECT count(*) FROM bench_odometer_seed")
        if cursor.fetchone()[0]:
            raise SystemExit("this database holds another odometer history: drop it, or pass the same --odometer-* flags")
    print(f"seeding {days} days of odometer history for {cars:,} cars …", flush=True)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        telemetry_partitions_ensure(now=end)
        cursor.execute(_SEED_SQL, {"cars": cars, "days": days, "end": end})
        readings = cursor.rowcount
        cursor.execute(_STATE_SQL, {"end": end})
        cursor.execute("INSERT INTO bench_odometer_seed VALUES (%s, %s, %s)", [cars, days, readings])
    with connection.cursor() as cursor:
        _records_seed(cursor, cars, days, end)
        cursor.execute("VACUUM ANALYZE vehicles_telemetryreading")
    _days_seed(end)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE vehicles_vehiclestate")
    print(f"seeded {readings:,} readings in {time.perf_counter() - started:.0f} s", flush=True)
    return readings


def _days_seed(end: dt.datetime) -> None:
    """The day roll-ups up to the day before yesterday, committed once: what the previous daily
    run left (each measured run then rolls up yesterday, as the daily run does)."""
    from django.db import connection, transaction

    from vehicles.services.telemetry_storage import telemetry_days_roll

    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM vehicles_telemetryday)")
        if cursor.fetchone()[0]:
            return
    started = time.perf_counter()
    with transaction.atomic():
        rows = telemetry_days_roll(now=end - dt.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE vehicles_telemetryday")
    print(f"  {rows:,} day roll-ups written in {time.perf_counter() - started:.0f} s", flush=True)


def _records_seed(cursor, cars: int, days: int, end: dt.datetime) -> None:
    """The oil changes (once: when the database has no service record yet)."""
    cursor.execute("SELECT EXISTS (SELECT 1 FROM vehicles_servicerecorditem)")
    if cursor.fetchone()[0]:
        return
    cursor.execute(_RECORDS_SQL, {"cars": cars, "days": days, "end": end})
    print(f"  {cursor.rowcount:,} oil changes recorded", flush=True)
    cursor.execute("VACUUM ANALYZE vehicles_servicerecord, vehicles_servicerecorditem")


def measure_refresh(day: dt.date, now: dt.datetime) -> dict:
    """Time the refresh and each statement, check its answers; rolled back."""
    from django.db import connection, transaction

    from vehicles.services import maintenance
    from vehicles.services.telemetry_storage import telemetry_days_roll

    timings: dict = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")  # as maintenance_refresh does
            started = time.perf_counter()
            maintenance.menus_ensure()
            timings["menus_ms"] = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            telemetry_days_roll(now=now)
            timings["roll_ms"] = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            timings["paces"] = maintenance.pace_refresh(on=day, now=now)
            timings["pace_ms"] = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            maintenance.battery_refresh(on=day, now=now)
            timings["battery_ms"] = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            timings["due_changed"], _deleted = maintenance.due_refresh(on=day)
            timings["due_ms"] = (time.perf_counter() - started) * 1000
            timings["refresh_ms"] = timings["roll_ms"] + timings["pace_ms"] + timings["battery_ms"] + timings["due_ms"]
            with connection.cursor() as cursor:
                timings["wrong"] = _check(cursor)
            raise _Rollback
    except _Rollback:
        pass
    return timings


def _check(cursor) -> list[str]:
    """What the refresh got wrong (empty: nothing)."""
    wrong = []
    cursor.execute("""SELECT count(*) FROM vehicles_vehiclestate s
                      LEFT JOIN vehicles_vehiclemaintenance m ON m.vehicle_id = s.vehicle_id
                      WHERE m.vehicle_id IS NULL AND s.last_recorded_at > now() - interval '2 days'""", [])
    if missing := cursor.fetchone()[0]:
        wrong.append(f"{missing} cars with history have no pace")
    cursor.execute("""SELECT count(*) FROM vehicles_vehiclemaintenance
                      WHERE basis <> 'ok' OR abs(km_per_day - (10 + vehicle_id %% 60)) > 1""", [])
    if off := cursor.fetchone()[0]:
        wrong.append(f"{off} paces differ from the seeded km/day")
    cursor.execute(f"""SELECT count(*) FILTER (WHERE vehicle_id %% {RESET_EVERY} = 3 AND NOT odometer_reset_flagged),
                              count(*) FILTER (WHERE vehicle_id %% {RESET_EVERY} <> 3 AND odometer_reset_flagged),
                              count(*) FILTER (WHERE vehicle_id %% {BATTERY_EVERY} = 7 AND NOT battery_replace),
                              count(*) FILTER (WHERE vehicle_id %% {BATTERY_EVERY} <> 7 AND battery_replace)
                       FROM vehicles_vehiclemaintenance""", [])  # noqa: S608 - constants
    unflagged, misflagged, battery_missed, battery_wrong = cursor.fetchone()
    if unflagged or misflagged:
        wrong.append(f"odometer resets: {unflagged} missed, {misflagged} flagged wrongly")
    if battery_missed or battery_wrong:
        wrong.append(f"batteries: {battery_missed} missed, {battery_wrong} flagged wrongly")
    cursor.execute(f"""SELECT count(*) FROM vehicles_maintenancedue d JOIN vehicles_maintenanceitem i ON i.id = d.item_id
                       WHERE i.code = 'battery_12v' AND d.vehicle_id %% {BATTERY_EVERY} <> 7""", [])  # noqa: S608
    if extra := cursor.fetchone()[0]:
        wrong.append(f"{extra} battery items due without a falling battery")
    # Oil: 15,000 km at the seeded pace, or 12 months, whichever first (cars on their first meter).
    cursor.execute(f"""SELECT count(*) FROM vehicles_servicerecorditem r
        JOIN vehicles_vehiclemaintenance m ON m.vehicle_id = r.vehicle_id
        JOIN vehicles_maintenanceitem i ON i.code = 'engine_oil'
             AND i.company_id = (SELECT company_id FROM vehicles_vehicle WHERE id = r.vehicle_id)
        LEFT JOIN vehicles_maintenancedue d ON d.vehicle_id = r.vehicle_id AND d.item_id = i.id
        WHERE r.item = 'engine_oil' AND r.vehicle_id %% {RESET_EVERY} <> 3 AND NOT m.severe_use
          AND d.due_on IS DISTINCT FROM LEAST((r.performed_on + interval '12 months')::date,
                (m.last_at AT TIME ZONE 'Asia/Tokyo')::date + ceil((r.odometer_km + 15000 - m.odometer_km) / m.km_per_day)::int)""", [])  # noqa: S608
    if off := cursor.fetchone()[0]:
        wrong.append(f"{off} oil due dates differ from the earlier of 12 months and 15,000 km at the car's pace")
    return wrong


def measure_bound(now: dt.datetime) -> dict:
    """The bound over the rows the refresh reads (module docstring), and the aggregate over the
    raw readings (the bound before the roll-ups), each timed in a rolled-back transaction."""
    from django.db import connection, transaction

    from vehicles.services.maintenance import PACE_WINDOW
    from vehicles.services.telemetry_storage import telemetry_days_roll_from, tokyo_day, tokyo_day_start

    result: dict = {}
    since_day = tokyo_day(now - PACE_WINDOW) + dt.timedelta(days=1)
    params = {"from_at": tokyo_day_start(telemetry_days_roll_from(now=now)), "until": now, "since_day": since_day,
              "until_day": tokyo_day(now), "today_at": tokyo_day_start(tokyo_day(now)), "since": now - PACE_WINDOW}  # fmt: skip
    for name, sql in (("bound_ms", BOUND_SQL), ("readings_bound_ms", READINGS_BOUND_SQL)):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")  # the same memory as the refresh
                started = time.perf_counter()
                cursor.execute(sql, params)
                result[name] = (time.perf_counter() - started) * 1000
                if name == "bound_ms":
                    cursor.execute("SELECT count(*) FROM bench_pace_bound")
                    result["rows"] = cursor.fetchone()[0]
                raise _Rollback
        except _Rollback:
            pass
    return result
