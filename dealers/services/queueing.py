"""The one way a service queues a Celery task: by the task's registered name, after commit.

Services never import a `tasks` module (tasks import services, so that would be a circle); they
name the task instead. Publishing happens in `transaction.on_commit`, so a worker never sees a
row its transaction has not committed, and robustly: a publish that fails (broker down) is
logged and the request or scan still succeeds, because every task queued here has a periodic
scan that catches up (the outbox every minute, stuck replies, warning notices).

Routing is by name too: `CELERY_TASK_ROUTES` in settings is the one routing table.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction

# A request or scan must not wait on a broken broker: one quick retry, then the catch-up scan.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


def task_publish(name: str, *args: Any) -> None:
    """Send the task now. With `task_always_eager` (the browser tests, a debugging shell) it runs
    in this process, as Celery's own `delay()` would, after the app's tasks are registered."""
    app = current_app
    if app.conf.task_always_eager:
        app.loader.import_default_modules()  # autodiscovery: registers every app's tasks once
        app.tasks[name].apply(args=args, throw=True)
        return
    app.send_task(name, args=args, retry=True, retry_policy=PUBLISH_RETRY)


def task_queue_on_commit(name: str, *args: Any) -> None:
    """Queue the task named `name` with positional `args` once the current transaction commits
    (at once outside a transaction). Failures are logged by Django's robust on_commit."""

    def publish() -> None:
        task_publish(name, *args)

    publish.__qualname__ = f"task_queue_on_commit[{name}]"  # what the robust on_commit logs on failure
    transaction.on_commit(publish, robust=True)
