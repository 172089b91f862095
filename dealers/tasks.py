"""Celery adapters of the dealer layer: thin, ids in, one service each."""

from __future__ import annotations

from celery import shared_task

from dealers.services.queueing import unpublished_tasks_republish


@shared_task(name="dealers.unpublished_tasks_republish")
def unpublished_tasks_republish_task() -> int:
    """Beat every minute: tasks kept while the broker was down go out within a minute of its return."""
    return unpublished_tasks_republish()
