"""Celery adapters for replies: an id in, one service call, the retry policy here.

Registered with workers through CELERY_IMPORTS (settings), since autodiscovery only imports
`tasks` modules.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError

from notifications.services.replies import replies_requeue_stuck, reply_mark_failed, reply_process

logger = logging.getLogger(__name__)

MAX_RETRIES = 5


def _countdown(retries: int) -> int:
    return min(2 ** retries, 60)


@shared_task(name="notifications.reply_process", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def reply_process_task(self, reply_id: int) -> str | None:
    """Process one reply. Processing is idempotent (row lock + status), so a redelivered or
    retried task is harmless. Database trouble is retried with backoff; when retries run out
    the reply is marked failed with the error, for staff to see."""
    try:
        reply = reply_process(reply_id=reply_id)
    except (OperationalError, InterfaceError, DatabaseError) as exc:
        if self.request.retries >= MAX_RETRIES:
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
