"""Ingest a telemetry batch from a car's DCM: the write path behind POST /api/v1/dcm/telemetry/.

Built for throughput (thousands of readings per second per core): plain-Python validation,
a fixed handful of statements per batch whatever its size, and COPY for the readings.
Sending the warning notice and routing the follow-up belong to the notifications layer,
which finds new warnings as VehicleWarning rows (opened_batch / opened_at).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.utils import timezone

from dealers.services.audit import audit_record
from vehicles.models import Vehicle
from vehicles.parsing.telemetry import (
    R_TIME,
    ROW_COLUMNS,
    VIN_RE,
    ParsedBatch,
    VinMismatch,
    batch_parse,
)
from vehicles.parsing.telemetry_vocabulary import THIRD_PARTY_DEVICE_CODE, code_kind, lamp_code
from vehicles.selectors.telemetry import DEFAULT_SEVERITY
from vehicles.services.telemetry_storage import READINGS_TABLE, telemetry_days_mark_stale, telemetry_partitions_ensure


@dataclass(frozen=True)
class BatchResult:
    message_id: str
    accepted: int
    warnings_opened: list[str] = field(default_factory=list)
    warnings_closed: list[str] = field(default_factory=list)
    created: bool = True  # False: a resend, answered with the original result


# Batches of one car take turns: a transaction-scoped advisory lock per car, taken before
# anything is read, so every statement after it sees the newest committed state and warnings
# (also for a car's very first batch, when there is no state row to lock yet). No row is
# written for it, unlike SELECT … FOR UPDATE.
_LOCK_SQL = "SELECT pg_advisory_xact_lock(%(namespace)s, %(key)s)"
_LOCK_NAMESPACE = 72_000_001  # two-int keys: apart from the one-key locks of telemetry_storage

# Claims the message id (a resend conflicts and gets no id) and reads the car's last state.
_CLAIM_SQL = """
WITH claim AS (
    INSERT INTO vehicles_telemetrybatch (vehicle_id, message_id, received_at, accepted)
    VALUES (%(vehicle)s, %(message_id)s, %(now)s, %(accepted)s)
    ON CONFLICT (vehicle_id, message_id) DO NOTHING
    RETURNING id
)
SELECT (SELECT id FROM claim), s.last_recorded_at, s.odometer_km, s.lamps, s.dtcs_stored, s.third_party_device, s.vin
FROM (VALUES (1)) AS one LEFT JOIN vehicles_vehiclestate s ON s.vehicle_id = %(vehicle)s
"""

_ORIGINAL_SQL = """
SELECT b.accepted,
       ARRAY(SELECT code FROM vehicles_vehiclewarning WHERE opened_batch_id = b.id ORDER BY code),
       ARRAY(SELECT code FROM vehicles_vehiclewarning WHERE closed_batch_id = b.id ORDER BY code)
FROM vehicles_telemetrybatch b WHERE b.vehicle_id = %s AND b.message_id = %s
"""

# Binary COPY with the column types given up front: psycopg then skips per-value type lookup.
_COPY_SQL = f"COPY {READINGS_TABLE} (vehicle_id, batch_id, received_at, {', '.join(ROW_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
_COPY_TYPES = [
    "int8", "int8", "timestamptz",  # vehicle_id, batch_id, received_at
    "timestamptz", "int4", "numeric", "varchar", "varchar", "int2", "varchar[]", "varchar[]", "varchar[]", "bool",
]

# The latest state, only forward in time. Measurements missing from the newest reading keep
# their last value; codes and lamps do not.
_STATE_UPSERT = """
    INSERT INTO vehicles_vehiclestate AS s (
        vehicle_id, last_recorded_at, updated_at, odometer_km, battery_voltage, smart_key_battery,
        oil_level, oil_level_percent, lamps, dtcs_stored, dtcs_pending, third_party_device, vin)
    VALUES (%(vehicle)s, %(recorded_at)s, %(now)s, %(odometer_km)s, %(battery_voltage)s, %(smart_key_battery)s,
            %(oil_level)s, %(oil_level_percent)s, %(lamps)s, %(dtcs_stored)s, %(dtcs_pending)s,
            %(third_party)s, %(vin)s)
    ON CONFLICT (vehicle_id) DO UPDATE SET
        last_recorded_at = EXCLUDED.last_recorded_at,
        updated_at = EXCLUDED.updated_at,
        odometer_km = COALESCE(EXCLUDED.odometer_km, s.odometer_km),
        battery_voltage = COALESCE(EXCLUDED.battery_voltage, s.battery_voltage),
        smart_key_battery = COALESCE(NULLIF(EXCLUDED.smart_key_battery, 'unknown'), s.smart_key_battery),
        oil_level = COALESCE(NULLIF(EXCLUDED.oil_level, 'unknown'), s.oil_level),
        oil_level_percent = COALESCE(EXCLUDED.oil_level_percent, s.oil_level_percent),
        lamps = EXCLUDED.lamps,
        dtcs_stored = EXCLUDED.dtcs_stored,
        dtcs_pending = EXCLUDED.dtcs_pending,
        third_party_device = EXCLUDED.third_party_device,
        vin = COALESCE(NULLIF(EXCLUDED.vin, ''), s.vin)
    WHERE s.last_recorded_at < EXCLUDED.last_recorded_at
"""

# The common batch: nothing the car reports has changed, so only the state moves.
_STATE_SQL = _STATE_UPSERT

# The reported codes changed (or the car's third-party flag disagrees): in one statement,
# - the state as above;
# - warnings as state changes: close the open ones no longer reported, open the new ones; the
#   partial unique index (one open warning per code) would turn a duplicate into DO NOTHING;
# - the car's third-party-device flag, written only when it differs.
# (Composed from the constant above, never from input.)
_WRITE_SQL = f"""
WITH state AS ({_STATE_UPSERT} RETURNING 1),
reported(code, kind, severity) AS (
    SELECT * FROM unnest(%(codes)s::text[], %(kinds)s::text[], %(severities)s::text[])
),
closed AS (
    UPDATE vehicles_vehiclewarning w SET closed_at = %(now)s, closed_batch_id = %(batch)s
    WHERE w.vehicle_id = %(vehicle)s AND w.closed_at IS NULL AND w.code <> ALL(%(codes)s::text[])
      AND EXISTS (SELECT 1 FROM state)
    RETURNING w.code
),
opened AS (
    INSERT INTO vehicles_vehiclewarning (vehicle_id, code, kind, severity, opened_at, opened_batch_id)
    SELECT %(vehicle)s, r.code, r.kind, COALESCE(d.severity, r.severity), %(now)s, %(batch)s
    FROM reported r LEFT JOIN vehicles_diagnosticcode d ON d.code = r.code
    WHERE EXISTS (SELECT 1 FROM state)
    ON CONFLICT (vehicle_id, code) WHERE closed_at IS NULL DO NOTHING
    RETURNING code
),
flag AS (
    UPDATE vehicles_vehicle SET third_party_obd_device = %(third_party)s
    WHERE id = %(vehicle)s AND third_party_obd_device <> %(third_party)s AND EXISTS (SELECT 1 FROM state)
    RETURNING 1
)
SELECT 'opened', code FROM opened
UNION ALL SELECT 'closed', code FROM closed
UNION ALL SELECT 'flag', NULL FROM flag
"""  # noqa: S608


def telemetry_batch_ingest(*, vehicle: Vehicle, data: Any, now: dt.datetime | None = None) -> BatchResult:
    """Validate and store one batch; raises BatchInvalid (nothing stored) on bad input.

    Steps: 1. validate in plain Python; 2. lock the car (its batches take turns) and claim the
    message id (a resend returns the original result and stores nothing); 3. (an odometer
    below the last state is a replaced meter: stored, see below); 4. COPY the readings; 5. if the batch is newer than the
    state, upsert it and, when the reported codes changed, open/close warnings from the newest
    reading's codes and set the car's third-party device flag, in the same statement.
    Four round trips whatever the batch size (three for a late batch).
    Should a month's partition be missing (maintenance not run), it is created and the batch
    retried once, so a late beat never turns into lost data.
    """
    now = now or timezone.now()
    parsed = batch_parse(data, now=now, retention_days=settings.TELEMETRY_RETENTION_DAYS)
    try:
        return _ingest(vehicle, parsed, now)
    except VinMismatch as mismatch:
        _flag_vin_mismatch(vehicle, mismatch.reported, now)
        raise
    except IntegrityError as error:
        if getattr(error.__cause__, "sqlstate", None) != "23514":  # no partition for the row
            raise
    telemetry_partitions_ensure()
    return _ingest(vehicle, parsed, now)


@transaction.atomic
def _flag_vin_mismatch(vehicle: Vehicle, reported: str, now: dt.datetime) -> None:
    """The car is flagged for its dealer (the DCM may have been moved to another car); the first
    time a VIN is flagged it is also an audit entry."""
    changed = Vehicle.objects.filter(pk=vehicle.pk).exclude(dcm_vin_mismatch=reported).update(
        dcm_vin_mismatch=reported, dcm_vin_mismatch_at=now
    )
    if changed:
        audit_record(action="vehicle.dcm_vin_mismatch", target=vehicle, actor=None, company=vehicle.company_id, vin=reported)
    else:
        Vehicle.objects.filter(pk=vehicle.pk).update(dcm_vin_mismatch_at=now)
    vehicle.dcm_vin_mismatch, vehicle.dcm_vin_mismatch_at = reported, now


class _PreparingCursor(psycopg.Cursor):
    """Server-side binding, and every statement prepared (Django turns psycopg's automatic
    preparation off for the whole connection): planning the write statement costs more than
    running it, and these few statements run hundreds of times a second."""

    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[override]
        if prepare is None:
            prepare = settings.DATABASE_PREPARED_STATEMENTS or None
        return super().execute(query, params, prepare=prepare, binary=binary)


def prepared_cursor():
    """A cursor whose statements are prepared once per connection, wrapped like Django's own so
    query logging and counting still see it. (Behind PgBouncer in transaction mode this needs
    PgBouncer >= 1.21 with max_prepared_statements set: DATABASE_PGBOUNCER=1 turns preparing off
    unless DATABASE_PGBOUNCER_PREPARED=1 says the pooler keeps them.)"""
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    if raw.prepare_threshold is None and settings.DATABASE_PREPARED_STATEMENTS:
        # Django's cursors bind client-side and never prepare; with a threshold set (so high it
        # is never reached by itself) psycopg prepares what _PreparingCursor asks it to.
        raw.prepare_threshold = 2**31
    wrapper = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    return wrapper(_PreparingCursor(raw), connection)


@transaction.atomic
def _ingest(vehicle: Vehicle, parsed: ParsedBatch, now: dt.datetime) -> BatchResult:
    with prepared_cursor() as cursor:
        # Pipeline mode: BEGIN, the car's lock and the claim go in one round trip.
        with connection.connection.pipeline():
            cursor.execute(_LOCK_SQL, {"namespace": _LOCK_NAMESPACE, "key": vehicle.pk % 2**31})
            cursor.execute(
                _CLAIM_SQL, {"vehicle": vehicle.pk, "message_id": parsed.message_id, "now": now, "accepted": len(parsed.rows)}
            )
            batch_id, state_time, _state_odometer, state_lamps, state_dtcs, state_third_party, state_vin = cursor.fetchone()
        _check_vin(vehicle, parsed.vin, state_vin)  # raises before anything is kept (the claim rolls back)
        if batch_id is None:
            return _original(cursor, vehicle, parsed.message_id)
        # An odometer far below the last state is stored, not refused: the meter or the DCM was
        # replaced, and refusing would cut the car off for good. The daily maintenance refresh
        # restarts the car's pace from it and flags it for the dealer (vehicles.services.maintenance).
        # The raw psycopg cursor (COPY is not in Django's API): wrap its errors as Django's.
        with connection.wrap_database_errors, cursor.cursor.copy(_COPY_SQL) as copy:
            copy.set_types(_COPY_TYPES)
            head = (vehicle.pk, batch_id, now)
            for row in parsed.rows:
                copy.write_row(head + row)
        # Readings of a day before yesterday: that day's roll-up is recomputed at the next refresh.
        telemetry_days_mark_stale(cursor, vehicle_id=vehicle.pk, recorded=[row[R_TIME] for row in parsed.rows], now=now)
        latest = parsed.latest
        if state_time is not None and latest[R_TIME] <= state_time:
            return BatchResult(parsed.message_id, len(parsed.rows))  # a late batch: stored, state untouched
        _time, *_values, lamps, stored, _pending, third_party = latest
        unchanged = (
            state_time is not None and state_lamps == lamps and state_dtcs == stored
            and state_third_party == third_party == vehicle.third_party_obd_device
        )
        # Warnings always mirror the state's codes (both change only here, under the car's
        # lock): when the codes did not change, there is nothing to compare.
        cursor.execute(_STATE_SQL if unchanged else _WRITE_SQL, _write_params(vehicle, batch_id, parsed, now))
        changes = [] if unchanged else cursor.fetchall()
    opened = sorted(code for change, code in changes if change == "opened")
    closed = sorted(code for change, code in changes if change == "closed")
    if any(change == "flag" for change, _code in changes):
        vehicle.third_party_obd_device = third_party
    return BatchResult(parsed.message_id, len(parsed.rows), opened, closed)


def _write_params(vehicle: Vehicle, batch_id: int, parsed: ParsedBatch, now: dt.datetime) -> dict:
    recorded_at, odometer, voltage, smart_key, oil, oil_percent, lamps, stored, pending, third_party = parsed.latest
    codes = _reported_codes(parsed.latest)
    kinds = [cast(str, code_kind(code)) for code in codes]  # validated: always well formed
    return {
        "vehicle": vehicle.pk,
        "batch": batch_id,
        "now": now,
        "recorded_at": recorded_at,
        "odometer_km": odometer,
        "battery_voltage": voltage,
        "smart_key_battery": smart_key,
        "oil_level": oil,
        "oil_level_percent": oil_percent,
        "lamps": lamps,
        "dtcs_stored": stored,
        "dtcs_pending": pending,
        "third_party": third_party,
        "vin": parsed.vin,
        "codes": codes,
        "kinds": kinds,
        "severities": [DEFAULT_SEVERITY[kind] for kind in kinds],
    }


def _original(cursor, vehicle: Vehicle, message_id: str) -> BatchResult:
    cursor.execute(_ORIGINAL_SQL, [vehicle.pk, message_id])
    accepted, opened, closed = cursor.fetchone()
    return BatchResult(message_id, accepted, list(opened), list(closed), created=False)


def car_vin(vehicle: Vehicle, state_vin: str | None) -> str:
    """The car's VIN as far as we know it: its chassis number when that is a VIN (imported cars),
    else the VIN its DCM first reported (Japanese chassis numbers such as ZVW50-1234567 are not
    VINs); "" before any was reported."""
    if VIN_RE.match(vehicle.chassis_number):
        return vehicle.chassis_number
    return state_vin or ""


def _check_vin(vehicle: Vehicle, reported: str, state_vin: str | None) -> None:
    expected = car_vin(vehicle, state_vin)
    if reported and expected and reported != expected:
        raise VinMismatch(expected=expected, reported=reported)


def _reported_codes(latest: tuple) -> list[str]:
    """Warning codes of a reading: stored DTCs, lamps, the third-party device.

    Pending DTCs are not confirmed faults (the ECU has not lit the MIL for them): they are
    kept in the readings and the state, but open no warning.
    """
    _time, *_values, lamps, stored, _pending, third_party = latest
    codes = [*stored, *(lamp_code(lamp) for lamp in lamps)]
    if third_party:
        codes.append(THIRD_PARTY_DEVICE_CODE)
    return codes
