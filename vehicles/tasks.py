"""Celery tasks of the vehicles layer: adapters that call one service each."""

from __future__ import annotations

from celery import shared_task

from vehicles.services.telemetry_storage import telemetry_partitions_ensure, telemetry_purge


@shared_task(name="vehicles.tasks.telemetry_maintain", ignore_result=True)
def telemetry_maintain() -> dict:
    """Daily: create next months' reading partitions, drop those past retention."""
    created = telemetry_partitions_ensure(months_ahead=2)
    purged = telemetry_purge()
    return {"created": created, "dropped": purged.partitions_dropped, "batches_deleted": purged.batches_deleted}
