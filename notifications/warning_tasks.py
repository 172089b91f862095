"""Celery adapters for warning notices (registered through CELERY_IMPORTS): ids in, one service.

`warnings_opened_queue` is what NotificationsConfig.ready subscribes to the vehicles layer's
warnings_opened hook: the task is queued after the ingest transaction commits. Should the
broker be down then, the error is logged (robust on_commit) and the batch still succeeds: the
catch-up scan sends the notice within a minute.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError, transaction

from notifications.services.warning_notices import warning_notices_catch_up, warning_notices_for_vehicle


@shared_task(name="notifications.warning_notices_for_vehicle", ignore_result=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5)
def warning_notices_task(vehicle_id: int) -> int:
    return len(warning_notices_for_vehicle(vehicle_id=vehicle_id))


@shared_task(name="notifications.warning_notices_catch_up", ignore_result=True)
def warning_notices_catch_up_task() -> int:
    return warning_notices_catch_up()


_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


def warnings_opened_queue(vehicle_id: int) -> None:
    def queue_warning_notices() -> None:  # named: robust on_commit logs failures by __qualname__
        # One quick retry only: the car's request must not wait on a broken broker (catch-up covers it).
        warning_notices_task.apply_async(args=[vehicle_id], retry_policy=_PUBLISH_RETRY)

    transaction.on_commit(queue_warning_notices, robust=True)
