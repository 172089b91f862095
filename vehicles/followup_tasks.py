"""Celery adapter for follow-up escalation (registered through CELERY_IMPORTS)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from vehicles.services.followup_escalation import followups_escalate


@shared_task(name="vehicles.followups_escalate", ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def followups_escalate_task() -> dict:
    """Beat every minute: escalate the overdue follow-ups (idempotent scan)."""
    result = followups_escalate()
    return {"escalated": result.escalated, "reassigned": result.reassigned}
