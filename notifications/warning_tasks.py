"""Celery adapters for warning notices (registered through CELERY_IMPORTS): ids in, one service.

`warnings_opened_queue` is what NotificationsConfig.ready subscribes to the vehicles layer's
warnings_opened hook: the task is queued after the ingest transaction commits. Should the
broker be down then, the error is logged (robust on_commit) and the batch still succeeds: the
catch-up scan sends the notice within a minute.
"""

from __future__ import annotations

from functools import partial

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


def warnings_opened_queue(vehicle_id: int) -> None:
    transaction.on_commit(partial(warning_notices_task.delay, vehicle_id), robust=True)
