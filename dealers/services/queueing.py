"""The one way a service queues a Celery task: by the task's registered name, after commit.

Services never import a `tasks` module (tasks import services, so that would be a circle); they
name the task instead. Publishing happens in `transaction.on_commit`, so a worker never sees a
row its transaction has not committed. A publish that fails because the broker is down (a
request during an outage, `make manage ARGS=seed_demo` without `make run`) costs one warning
line, not a traceback, and loses nothing: the task is kept as an `UnpublishedTask` row and
published again by the every-minute sweep once the broker is back (and every task queued here
also has a periodic scan that catches up: the outbox, stuck replies, warning notices).

Routing is by name too: `CELERY_TASK_ROUTES` in settings is the one routing table.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from celery import current_app
from django.core.cache import cache
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from dealers.models import UnpublishedTask

logger = logging.getLogger(__name__)

# A request or scan must not wait on a broken broker: one quick retry, then the catch-up scan.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
# What a broker that is down or unreachable raises at publish (kombu wraps most as BrokerError).
BROKER_DOWN = (BrokerError, ConnectionError, TimeoutError, OSError)
# One warning line per process per this many seconds, however many publishes fail meanwhile.
WARN_EVERY_SECONDS = 60.0
_last_warning: float | None = None


def task_publish(name: str, *args: Any) -> None:
    """Send the task now. With `task_always_eager` (the browser tests, a debugging shell) it runs
    in this process, as Celery's own `delay()` would, after the app's tasks are registered."""
    app = current_app
    if app.conf.task_always_eager:
        app.loader.import_default_modules()  # autodiscovery: registers every app's tasks once
        app.tasks[name].apply(args=args, throw=True)
        return
    app.send_task(name, args=args, retry=True, retry_policy=PUBLISH_RETRY)


def _warn_broker_down(name: str, error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if _last_warning is not None and now - _last_warning < WARN_EVERY_SECONDS:
        logger.debug("broker unavailable: %s kept for the next sweep", name)
        return
    _last_warning = now
    logger.warning(
        "Celery broker unavailable (%s): %s and any further tasks are kept and queued within a minute of its return",
        str(error).splitlines()[0][:200] if str(error) else type(error).__name__, name,
    )


def task_publish_or_keep(name: str, *args: Any) -> bool:
    """Publish, or keep the task for the sweep when the broker is down. True when published."""
    try:
        task_publish(name, *args)
    except BROKER_DOWN as error:
        if current_app.conf.task_always_eager:
            raise  # in-process: the task's own error, not the broker's
        _warn_broker_down(name, error)
        UnpublishedTask.objects.create(name=name, args=list(args), error=str(error)[:500])
        return False
    return True


def task_queue_on_commit(name: str, *args: Any) -> None:
    """Queue the task named `name` with positional `args` once the current transaction commits
    (at once outside a transaction). Anything else going wrong is logged by Django's robust
    on_commit; the request or scan still succeeds."""

    def publish() -> None:
        task_publish_or_keep(name, *args)

    publish.__qualname__ = f"task_queue_on_commit[{name}]"  # what the robust on_commit logs on failure
    transaction.on_commit(publish, robust=True)


def task_publish_once_later(name: str, countdown: float) -> bool:
    """Publish `name` to run in `countdown` seconds, unless such a publish is already pending: a
    shared-cache key (CACHES) lives until the task is due, so however many runs ask, one waits.
    For scans that must come back sooner than beat does. Not kept when the broker is down (beat
    runs the scan anyway), and skipped in eager mode, which has no clock to wait on. True when
    published."""
    if current_app.conf.task_always_eager:
        return False
    if not cache.add(f"tconnect:pending-task:{name}", 1, timeout=max(1, math.ceil(countdown))):
        return False
    try:
        current_app.send_task(name, countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY)
    except BROKER_DOWN as error:
        _warn_broker_down(name, error)
        cache.delete(f"tconnect:pending-task:{name}")
        return False
    return True


def unpublished_tasks_republish(*, limit: int = 1000) -> int:
    """The every-minute sweep: hand the kept tasks to the broker, oldest first. Each row is
    deleted in the transaction that publishes it (on commit), and claimed with SKIP LOCKED, so
    two sweeps never publish one row twice; a publish that fails again keeps a new row."""
    with transaction.atomic():
        rows = list(UnpublishedTask.objects.select_for_update(skip_locked=True).order_by("id")[:limit])
        UnpublishedTask.objects.filter(pk__in=[row.pk for row in rows]).delete()
        for row in rows:
            task_queue_on_commit(row.name, *row.args)
    return len(rows)
