"""Monthly partitions of the readings table: create ahead, drop when past retention.

Partitions are named vehicles_telemetryreading_pYYYYMM and cover one UTC month each. Retention
works on whole partitions (DROP TABLE is instant and leaves no bloat), so a reading is kept
for at least TELEMETRY_RETENTION_DAYS and at most a month longer.
The daily Celery task vehicles.tasks.telemetry_maintain calls both functions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

READINGS_TABLE = "vehicles_telemetryreading"
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
