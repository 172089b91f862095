"""Celery adapters for dealer event mail: ids in, one service call, retry policy here.

Registered by importing this module from notifications/tasks.py (Celery autodiscovers only
`tasks` modules).
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from notifications.services.events import due_events_send, event_send


@shared_task(
    name="notifications.send_event", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, queue="bulk"
)
def send_event_task(event_id: int) -> int | None:
    """Send one event if it is due (queued on commit when scheduled for now or the past)."""
    return event_send(event_id=event_id)


@shared_task(name="notifications.send_due_events", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def send_due_events_task() -> list[int]:
    """Beat, every minute: send the scheduled events whose time has come."""
    return due_events_send()
