"""Celery is wired one way each: tasks by autodiscovery, routes in one table, beat from settings."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.db import transaction
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from dealers.models import UnpublishedTask
from dealers.services import queueing
from tconnect.celery import app

PRODUCT_PREFIXES = ("dealers.", "vehicles.", "notifications.")


@pytest.fixture(scope="module")
def registered() -> set[str]:
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    return {name for name in app.tasks if name.startswith(PRODUCT_PREFIXES)}


def test_autodiscovery_finds_every_task_of_every_app(registered):
    assert {name.split(".")[0] for name in registered} == {"dealers", "vehicles", "notifications"}
    assert not hasattr(settings, "CELERY_IMPORTS")


def test_every_task_has_one_route_and_every_route_a_task(registered):
    assert set(settings.CELERY_TASK_ROUTES) == registered
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} == {"celery", "bulk"}
    assert app.amqp.router.route({}, "notifications.tasks.run_daily")["queue"].name == "bulk"
    assert app.amqp.router.route({}, "notifications.reply_process")["queue"].name == "celery"


def test_every_periodic_task_exists_and_is_routed(registered):
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in registered, name
        assert entry["task"] in settings.CELERY_TASK_ROUTES, name


@pytest.mark.django_db(transaction=True)
def test_beat_stores_the_settings_schedule_in_tokyo_time():
    """DatabaseScheduler writes the settings entries as rows (admins may pause one there)."""
    scheduler = DatabaseScheduler(app=app, lazy=True)
    scheduler.setup_schedule()
    rows = {row.name: row for row in PeriodicTask.objects.select_related("crontab")}
    assert set(settings.CELERY_BEAT_SCHEDULE) <= set(rows)
    daily = rows["notifications: daily run (06:00)"]
    assert (daily.task, daily.crontab.hour, daily.crontab.minute) == ("notifications.tasks.run_daily", "6", "0")
    assert str(daily.crontab.timezone) == "Asia/Tokyo"
    assert rows["vehicles: escalate overdue follow-ups (every minute)"].crontab.minute == "*"


@pytest.mark.django_db(transaction=True)
def test_a_service_queues_by_name_only_after_commit(monkeypatch):
    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **options: sent.append((name, options["args"])))
    with transaction.atomic():
        queueing.task_queue_on_commit("notifications.reply_process", 42)
        assert sent == []
    assert sent == [("notifications.reply_process", (42,))]


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_at_publish_is_one_warning_line_and_the_task_is_kept(monkeypatch, caplog):
    def broker_down(name, **options):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(app, "send_task", broker_down)
    monkeypatch.setattr(queueing, "_last_warning", None)
    with transaction.atomic():
        queueing.task_queue_on_commit("notifications.tasks.send_due_deliveries")
        queueing.task_queue_on_commit("notifications.reply_process", 7)
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [(r.levelname, r.exc_info) for r in warnings] == [("WARNING", None)]
    assert "Celery broker unavailable" in warnings[0].getMessage()
    assert list(UnpublishedTask.objects.values_list("name", "args")) == [
        ("notifications.tasks.send_due_deliveries", []), ("notifications.reply_process", [7]),
    ]


@pytest.mark.django_db(transaction=True)
def test_kept_tasks_are_published_once_by_the_sweep(monkeypatch):
    UnpublishedTask.objects.create(name="notifications.reply_process", args=[7])
    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **options: sent.append((name, options["args"])))
    assert queueing.unpublished_tasks_republish() == 1
    assert sent == [("notifications.reply_process", (7,))]
    assert queueing.unpublished_tasks_republish() == 0
    assert sent == [("notifications.reply_process", (7,))]


def test_eager_mode_runs_the_registered_task_in_process(monkeypatch):
    ran = []
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        monkeypatch.setitem(app.tasks, "notifications.tasks.refresh_funnel_recent", _Recorder(ran))
        queueing.task_publish("notifications.tasks.refresh_funnel_recent")
    finally:
        app.conf.task_always_eager = previous
    assert ran == [()]


class _Recorder:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    def apply(self, *, args, throw):
        self.calls.append(tuple(args))
