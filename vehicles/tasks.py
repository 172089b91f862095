"""Celery adapters of the vehicles layer: one service call each, the retry policy here.

Found by autodiscovery; routed and scheduled in tconnect/settings.py (CELERY_TASK_ROUTES,
CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from vehicles.services.followup_escalation import followups_escalate
from vehicles.services.telemetry_storage import telemetry_days_purge, telemetry_partitions_ensure, telemetry_purge


@shared_task(name="vehicles.tasks.telemetry_maintain", ignore_result=True)
def telemetry_maintain() -> dict:
    """Daily: create next months' reading partitions, drop those past retention, forget old day roll-ups."""
    created = telemetry_partitions_ensure(months_ahead=2)
    purged = telemetry_purge()
    days = telemetry_days_purge()
    return {"created": created, "dropped": purged.partitions_dropped, "batches_deleted": purged.batches_deleted,
            "days_deleted": days}


@shared_task(name="vehicles.followups_escalate", ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def followups_escalate_task() -> dict:
    """Beat every minute: escalate the overdue follow-ups (idempotent scan)."""
    result = followups_escalate()
    return {"escalated": result.escalated, "reassigned": result.reassigned}
