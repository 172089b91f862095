"""Monthly partitions of the readings table: create ahead, drop when past retention.

Partitions are named vehicles_telemetryreading_pYYYYMM and cover one UTC month each. Retention
works on whole partitions (DROP TABLE is instant and leaves no bloat), so a reading is kept
for at least TELEMETRY_RETENTION_DAYS and at most a month longer.
The daily Celery task vehicles.tasks.telemetry_maintain calls both functions.

Day roll-ups (TelemetryDay): each car's readings reduced to one row per business day (odometer
range, resting 12 V battery median), so the daily maintenance refresh reads 90 rows a car, not
90 days of minute readings. Only whole days are rolled up (today's readings are read as they
are). `telemetry_days_roll` (run by the refresh) inserts every car's days from the day after the
newest one rolled up to yesterday, and recomputes any older day marked stale: a batch carrying
readings of a day before today marks those days (`telemetry_days_mark_stale`, in the same
transaction as its COPY), and the roll-up deletes the marks it reads in the same statement as it
recomputes, so a late reading is never lost between the two.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

READINGS_TABLE = "vehicles_telemetryreading"
DAYS_TABLE = "vehicles_telemetryday"
STALE_DAYS_TABLE = "vehicles_telemetrydaystale"
TOKYO = ZoneInfo("Asia/Tokyo")
# Day roll-ups kept: the longest window read from them (the pace's 90 days) and a margin.
DAYS_KEPT = 100
# A resting 12 V reading (above it the alternator is charging): vehicles.selectors.health.
_RESTING_MAX_V = 13.0
_PARTITION_RE = re.compile(rf"^{READINGS_TABLE}_p(\d{{4}})(\d{{2}})$")
_LOCK_KEY = 0x7E1E  # advisory lock: two maintenance runs never race on DDL
BATCH_DELETE_CHUNK = 10_000

_PARTITIONS_SQL = """
SELECT c.relname FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relname = %s AND p.relnamespace = current_schema()::regnamespace
"""


def _month_start(moment: dt.datetime) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    return dt.datetime(moment.year, moment.month, 1, tzinfo=dt.UTC)


def _next_month(start: dt.datetime) -> dt.datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def _partition_name(start: dt.datetime) -> str:
    return f"{READINGS_TABLE}_p{start:%Y%m}"


def telemetry_partitions() -> dict[str, dt.datetime]:
    """Existing partitions: name -> first instant of their month (UTC)."""
    with connection.cursor() as cursor:
        cursor.execute(_PARTITIONS_SQL, [READINGS_TABLE])
        names = [name for (name,) in cursor.fetchall()]
    found = {}
    for name in names:
        match = _PARTITION_RE.match(name)
        if match:
            found[name] = dt.datetime(int(match[1]), int(match[2]), 1, tzinfo=dt.UTC)
    return found


@transaction.atomic
def telemetry_partitions_ensure(*, months_ahead: int = 2, now: dt.datetime | None = None) -> list[str]:
    """Create the missing partitions from the start of retention to `months_ahead` months
    after the current one; returns the names created (oldest first)."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    existing = telemetry_partitions()
    start = _month_start(now - dt.timedelta(days=settings.TELEMETRY_RETENTION_DAYS))
    end = _month_start(now)
    for _ in range(months_ahead + 1):
        end = _next_month(end)
    created = []
    with connection.cursor() as cursor:
        while start < end:
            upper = _next_month(start)
            name = _partition_name(start)
            if name not in existing:
                # Names and bounds come from datetimes formatted here, never from input.
                cursor.execute(
                    f"CREATE TABLE {name} PARTITION OF {READINGS_TABLE} "
                    f"FOR VALUES FROM ('{start.isoformat()}') TO ('{upper.isoformat()}')"
                )
                created.append(name)
            start = upper
    return created


@dataclass(frozen=True)
class PurgeResult:
    partitions_dropped: list[str]
    batches_deleted: int


def telemetry_purge(*, retention_days: int | None = None, now: dt.datetime | None = None) -> PurgeResult:
    """Drop the partitions that end before the retention cutoff, and forget batch ids
    received before it (a resend that old would be rejected as too old anyway).

    Each drop and each chunk of batch deletes commits on its own: DROP needs a short
    exclusive lock on the parent table, and that lock must not wait behind a long purge.
    """
    retention_days = settings.TELEMETRY_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days)
    dropped = []
    for name, start in sorted(telemetry_partitions().items(), key=lambda item: item[1]):
        if _next_month(start) <= cutoff:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
            dropped.append(name)
    return PurgeResult(partitions_dropped=dropped, batches_deleted=_batches_delete_before(cutoff))


def _batches_delete_before(cutoff: dt.datetime) -> int:
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                WITH old AS (
                    SELECT id FROM vehicles_telemetrybatch WHERE received_at < %s ORDER BY id LIMIT %s
                ),
                opened AS (UPDATE vehicles_vehiclewarning SET opened_batch_id = NULL WHERE opened_batch_id IN (SELECT id FROM old)),
                closed AS (UPDATE vehicles_vehiclewarning SET closed_batch_id = NULL WHERE closed_batch_id IN (SELECT id FROM old))
                DELETE FROM vehicles_telemetrybatch WHERE id IN (SELECT id FROM old)
                """,
                [cutoff, BATCH_DELETE_CHUNK],
            )
            deleted = cursor.rowcount
        total += deleted
        if deleted < BATCH_DELETE_CHUNK:
            return total


# --- day roll-ups ------------------------------------------------------------------------------


def tokyo_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TOKYO).date()


def tokyo_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=TOKYO)


_DAY = "(r.recorded_at AT TIME ZONE 'Asia/Tokyo')::date"
_DAY_COLUMNS = f"""
    min(r.recorded_at) FILTER (WHERE r.odometer_km IS NOT NULL), max(r.recorded_at) FILTER (WHERE r.odometer_km IS NOT NULL),
    min(r.odometer_km), max(r.odometer_km),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY r.battery_voltage) FILTER (WHERE r.battery_voltage <= {_RESTING_MAX_V})"""

_ROLL_SQL = f"""
WITH stale AS (
    DELETE FROM {STALE_DAYS_TABLE} RETURNING vehicle_id, day
),
fresh AS (
    -- every car's days not rolled up yet (the partition bounds prune the rest)
    SELECT r.vehicle_id, {_DAY} AS day, {_DAY_COLUMNS}
    FROM {READINGS_TABLE} r
    WHERE r.recorded_at >= %(from_at)s AND r.recorded_at < %(to_at)s
    GROUP BY 1, 2
    UNION ALL
    -- older days that got late readings, car by car (the (vehicle, recorded_at) index)
    SELECT r.vehicle_id, s.day, {_DAY_COLUMNS}
    FROM (SELECT DISTINCT vehicle_id, day FROM stale WHERE day < %(from_day)s AND day >= %(kept_from)s) s
    JOIN {READINGS_TABLE} r ON r.vehicle_id = s.vehicle_id AND r.recorded_at >= (s.day::timestamp AT TIME ZONE 'Asia/Tokyo')
         AND r.recorded_at < ((s.day + 1)::timestamp AT TIME ZONE 'Asia/Tokyo')
    GROUP BY 1, 2
)
INSERT INTO {DAYS_TABLE} AS d (vehicle_id, day, first_at, last_at, min_km, max_km, battery_median)
SELECT * FROM fresh ORDER BY day, vehicle_id  -- stored day by day: a window of days is a run of pages
ON CONFLICT (day, vehicle_id) DO UPDATE SET
    first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at, min_km = EXCLUDED.min_km, max_km = EXCLUDED.max_km,
    battery_median = EXCLUDED.battery_median
"""  # noqa: S608 - names and constants


def telemetry_days_roll_from(*, now: dt.datetime) -> dt.date:
    """The first day the next roll-up inserts for every car: the day after the newest one rolled
    up, or the start of what is kept."""
    kept_from = tokyo_day(now) - dt.timedelta(days=DAYS_KEPT)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(day) FROM {DAYS_TABLE}")  # noqa: S608 - a constant
        newest = cursor.fetchone()[0]
    return kept_from if newest is None else max(kept_from, newest + dt.timedelta(days=1))


def telemetry_days_roll(*, now: dt.datetime) -> int:
    """Roll up the whole days before `now`'s day not rolled up yet, and the stale ones (module
    docstring); returns the rows written."""
    today = tokyo_day(now)
    from_day = min(telemetry_days_roll_from(now=now), today)
    params = {"from_at": tokyo_day_start(from_day), "to_at": tokyo_day_start(today), "from_day": from_day,
              "kept_from": today - dt.timedelta(days=DAYS_KEPT)}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_ROLL_SQL, params)
        return cursor.rowcount


def telemetry_days_mark_stale(cursor, *, vehicle_id: int, recorded: list[dt.datetime], now: dt.datetime) -> None:
    """A batch's readings of days before today (late, or sent just after midnight): mark those
    days for the next roll-up. Called in the batch's transaction; nothing for the usual batch of
    the last minutes."""
    today = tokyo_day(now)
    if not recorded or tokyo_day(min(recorded)) >= today:
        return
    days = sorted({day for day in map(tokyo_day, recorded) if day < today})
    cursor.execute(
        f"INSERT INTO {STALE_DAYS_TABLE} (vehicle_id, day) SELECT %s, unnest(%s::date[]) ON CONFLICT DO NOTHING",
        [vehicle_id, days],
    )


def telemetry_days_purge(*, now: dt.datetime | None = None) -> int:
    """Forget day roll-ups older than DAYS_KEPT (with the daily partition purge)."""
    kept_from = tokyo_day(now or timezone.now()) - dt.timedelta(days=DAYS_KEPT)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DAYS_TABLE} WHERE day < %s", [kept_from])  # noqa: S608 - a constant
        deleted = cursor.rowcount
        cursor.execute(f"DELETE FROM {STALE_DAYS_TABLE} WHERE day < %s", [kept_from])  # noqa: S608 - a constant
    return deleted
