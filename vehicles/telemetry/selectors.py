"""Read side of telemetry: latest state, open warnings, recent readings of one car."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from vehicles.models import TelemetryReading, Vehicle, VehicleState, VehicleWarning


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
