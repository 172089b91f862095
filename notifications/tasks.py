"""Celery adapters: ids / ISO dates in, one service call, retry policy here.

Celery autodiscovers only `tasks` modules, so the event-mail tasks are registered by importing
them below.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from notifications.event_tasks import send_due_events_task, send_event_task
from notifications.services.daily_run import daily_run
from notifications.services.deliveries import deliveries_refresh
from notifications.services.funnel_days import funnel_days_refresh_recent, funnel_days_refresh_year
from notifications.services.outbox import deliveries_release_stuck, deliveries_send_due

__all__ = [
    "refresh_deliveries", "refresh_funnel_recent", "refresh_funnel_year", "release_stuck_deliveries", "run_daily_task",
    "send_due_deliveries", "send_due_events_task", "send_event_task",
]


# The name matches CELERY_TASK_ROUTES (the bulk queue).
@shared_task(name="notifications.tasks.run_daily", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def run_daily_task(business_date: str | None = None) -> dict:
    """Beat at 06:00 Asia/Tokyo with no argument (today), or a given ISO date."""
    day = dt.date.fromisoformat(business_date) if business_date else timezone.localdate()
    return daily_run(business_date=day).as_counts()


@shared_task(name="notifications.tasks.send_due_deliveries", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def send_due_deliveries() -> dict:
    """Beat every minute, and after each daily run: send the due e-mail deliveries."""
    result = deliveries_send_due()
    return {"inbox_delivered": result.inbox_delivered, "delivered": result.delivered, "retrying": result.retrying, "failed": result.failed, "cancelled": result.cancelled}


@shared_task(name="notifications.tasks.refresh_deliveries", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_deliveries() -> dict:
    """Beat every 15 minutes, and after each daily run: stale messages cancelled, paired navis
    un-paused, queued inbox rows shown."""
    result = deliveries_refresh()
    return {"cancelled": result.cancelled, "unpaused": result.unpaused, "inbox_delivered": result.inbox_delivered}


@shared_task(name="notifications.tasks.release_stuck_deliveries")
def release_stuck_deliveries() -> dict:
    requeued, failed = deliveries_release_stuck()
    return {"requeued": requeued, "failed": failed}


@shared_task(name="notifications.tasks.refresh_funnel_recent", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_funnel_recent() -> dict:
    """Beat every 10 minutes: the Results figures of the last two months."""
    return {"rows": funnel_days_refresh_recent()}


@shared_task(name="notifications.tasks.refresh_funnel_year", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def refresh_funnel_year() -> dict:
    """Beat nightly at 03:00 Asia/Tokyo: the Results figures of the whole reportable year."""
    return {"rows": funnel_days_refresh_year()}

