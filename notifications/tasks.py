"""Celery adapters of the notifications layer: ids / ISO dates in, one service call, the retry
policy here. Found by autodiscovery; routed by CELERY_TASK_ROUTES and scheduled by
CELERY_BEAT_SCHEDULE (tconnect/settings.py). Services queue these by name
(dealers.services.queueing), never by importing this module.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from notifications.services.daily_run import daily_run
from notifications.services.deliveries import deliveries_refresh
from notifications.services.events import due_events_send, event_audience_recount, event_send
from notifications.services.funnel import funnel_days_refresh_recent, funnel_days_refresh_year
from notifications.services.inbound_mail import (
    received_mail_finish,
    received_mail_process,
    received_mail_purge,
    received_mail_requeue_stuck,
)
from notifications.services.outbox import deliveries_release_stuck, deliveries_send_due
from notifications.services.replies import replies_requeue_stuck, reply_mark_failed, reply_process
from notifications.services.warning_notices import warning_notices_catch_up, warning_notices_for_vehicle

# --- The daily run and the outbox ---------------------------------------------------------


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


# --- Dealer event mail --------------------------------------------------------------------


@shared_task(name="notifications.send_event", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_event_task(event_id: int) -> int | None:
    """Send one event if it is due (queued on commit when scheduled for now or the past)."""
    return event_send(event_id=event_id)


@shared_task(name="notifications.events_audience_count", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def events_audience_count_task(event_id: int) -> int | None:
    """Queued by the event page when its audience count is missing or old: count and keep it."""
    snapshot = event_audience_recount(event_id=event_id)
    return snapshot.count if snapshot else None


@shared_task(name="notifications.send_due_events", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def send_due_events_task() -> list[int]:
    """Beat, every minute: send the scheduled events whose time has come."""
    return due_events_send()


# --- Replies ------------------------------------------------------------------------------

REPLY_MAX_RETRIES = 5


def _countdown(retries: int) -> int:
    return min(2 ** retries, 60)


@shared_task(name="notifications.reply_process", bind=True, acks_late=True, max_retries=REPLY_MAX_RETRIES)
def reply_process_task(self, reply_id: int) -> str | None:
    """Process one reply. Processing is idempotent (row lock + status), so a redelivered or
    retried task is harmless. Database trouble is retried with backoff; when retries run out
    the reply is marked failed with the error, for staff to see."""
    try:
        reply = reply_process(reply_id=reply_id)
    except (OperationalError, InterfaceError, DatabaseError) as exc:
        if self.request.retries >= REPLY_MAX_RETRIES:
            reply_mark_failed(reply_id=reply_id, error=f"{type(exc).__name__}: {exc}")
            raise
        raise self.retry(exc=exc, countdown=_countdown(self.request.retries)) from exc
    except Exception as exc:
        # Not transient (a bug or data it cannot handle): say so on the row instead of having
        # the stuck-reply sweep re-queue it forever; the error still reaches the worker log.
        reply_mark_failed(reply_id=reply_id, error=f"{type(exc).__name__}: {exc}")
        raise
    return reply.status if reply is not None else None


@shared_task(name="notifications.replies_requeue_stuck")
def replies_requeue_stuck_task() -> int:
    """Beat every few minutes: re-queue replies whose processing task was lost."""
    return replies_requeue_stuck()


# --- Received mail (the SMTP listener stores it raw; parsing happens here) -------------------

RECEIVED_MAIL_MAX_RETRIES = 5


# The time limits bound one parse (linear, well under a second at the size cap): past the hard
# limit the pool child is killed, and the attempts counter gives the mail up after a few kills.
@shared_task(name="notifications.received_mail_process", bind=True, acks_late=True, soft_time_limit=60, time_limit=90,
             max_retries=RECEIVED_MAIL_MAX_RETRIES)
def received_mail_process_task(self, received_id: int) -> str | None:
    """Parse and handle one received mail; idempotent (claim + row lock + status)."""
    try:
        return received_mail_process(received_id=received_id)
    except (OperationalError, InterfaceError, DatabaseError) as exc:
        if self.request.retries >= RECEIVED_MAIL_MAX_RETRIES:
            received_mail_finish(received_id=received_id, status="failed", note=f"{type(exc).__name__}: {exc}")
            raise
        raise self.retry(exc=exc, countdown=_countdown(self.request.retries)) from exc
    except Exception as exc:
        # A bug or a mail it cannot handle: said on the row (staff see it), not retried forever.
        received_mail_finish(received_id=received_id, status="failed", note=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(name="notifications.received_mail_requeue_stuck")
def received_mail_requeue_stuck_task() -> int:
    """Beat every minute: re-queue received mail whose processing task was lost."""
    return received_mail_requeue_stuck()


@shared_task(name="notifications.received_mail_purge")
def received_mail_purge_task() -> int:
    """Beat nightly: finished received mail past its keeping time is deleted."""
    return received_mail_purge()


# --- e-Care warning notices ---------------------------------------------------------------


@shared_task(name="notifications.warning_notices_for_vehicle", ignore_result=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5)
def warning_notices_task(vehicle_id: int) -> int:
    """Queued after an ingest transaction opened warnings (NotificationsConfig.ready subscribes)."""
    return len(warning_notices_for_vehicle(vehicle_id=vehicle_id))


@shared_task(name="notifications.warning_notices_catch_up", ignore_result=True)
def warning_notices_catch_up_task() -> int:
    """Beat every minute: warnings whose notice task was lost (broker down at ingest)."""
    return warning_notices_catch_up()
