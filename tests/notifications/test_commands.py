"""manage.py run_daily and the Celery task adapters."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from dealers.services import queueing
from notifications import tasks
from notifications.models import DailyRun, Notice
from tests.notifications.pipeline import connected_car

pytestmark = pytest.mark.django_db


def call(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_run_daily_for_a_date_creates_and_sends():
    connected_car()
    out = call("run_daily", "--date", "2027-02-28")
    assert "2027-02-28: 1 notices (shaken 1, periodic 0, recall 0, maintenance 0)" in out
    assert "pending deliveries: cancelled 0, navi un-paused 0" in out
    assert "e-mail: delivered 1" in out
    assert len(mail.outbox) == 1
    assert DailyRun.objects.filter(business_date=dt.date(2027, 2, 28)).exists()


def test_run_daily_again_and_rescan():
    connected_car()
    call("run_daily", "--date", "2027-02-28")
    assert "already run: not scanned again" in call("run_daily", "--date", "2027-02-28")
    assert "2027-02-28: 0 notices (shaken 0, periodic 0, recall 0, maintenance 0), caught up from 2027-02-28" in call(
        "run_daily", "--date", "2027-02-28", "--rescan"
    )
    assert len(mail.outbox) == 1


def test_run_daily_no_send_leaves_mail_to_the_outbox():
    connected_car()
    out = call("run_daily", "--date", "2027-02-28", "--no-send")
    assert "e-mail" not in out and len(mail.outbox) == 0


def test_run_daily_if_not_finished_catches_up_once():
    """`make run` starts with `run_daily --if-not-finished` (issue 12 point 12): today's notices
    exist at once instead of after the next 06:00 JST, and a second start does nothing."""
    connected_car()
    out = call("run_daily", "--date", "2027-02-28", "--if-not-finished", "--no-send")
    assert "2027-02-28: 1 notices" in out
    assert DailyRun.objects.get(business_date=dt.date(2027, 2, 28)).finished_at is not None
    again = call("run_daily", "--date", "2027-02-28", "--if-not-finished", "--no-send")
    assert again == "2027-02-28: the daily run has finished; nothing to catch up\n"
    assert Notice.objects.count() == 1


def test_run_daily_if_not_finished_redoes_a_run_that_did_not_finish():
    connected_car()
    DailyRun.objects.create(business_date=dt.date(2027, 2, 28), started_at=dt.datetime(2027, 2, 27, 21, tzinfo=dt.UTC))
    assert "2027-02-28: 1 notices" in call("run_daily", "--date", "2027-02-28", "--if-not-finished")


@pytest.mark.parametrize("value", ["2027-02-30", "tomorrow", "28/02/2027"])
def test_run_daily_bad_date_is_a_one_line_error(value):
    with pytest.raises(CommandError) as error:
        call("run_daily", "--date", value)
    assert "YYYY-MM-DD" in str(error.value) and "\n" not in str(error.value)
    assert Notice.objects.count() == 0


def test_run_daily_refuses_going_back():
    call("run_daily", "--date", "2027-03-10")
    with pytest.raises(CommandError, match="already finished"):
        call("run_daily", "--date", "2027-03-01")


def test_run_daily_defaults_to_today_in_tokyo(time_machine):
    time_machine.move_to(dt.datetime(2027, 2, 27, 16, 0, tzinfo=dt.UTC), tick=False)  # 01:00 on 02-28 in Tokyo
    connected_car()
    assert call("run_daily").startswith("2027-02-28: 1 notices")


def test_tasks_are_thin_adapters(time_machine, django_capture_on_commit_callbacks, monkeypatch):
    time_machine.move_to(dt.datetime(2027, 2, 28, 6, 0, tzinfo=dt.UTC), tick=False)
    connected_car()
    queued = []
    monkeypatch.setattr(queueing, "task_publish", lambda name, *args: queued.append(name))
    with django_capture_on_commit_callbacks(execute=True):
        counts = tasks.run_daily_task("2027-02-28")
    assert counts["notices"]["shaken"] == 1
    # Queued by name after the run commits (the outbox, pending deliveries, the Results figures).
    assert queued == [
        "notifications.tasks.refresh_deliveries", "notifications.tasks.send_due_deliveries",
        "notifications.tasks.refresh_funnel_recent",
    ]
    assert tasks.refresh_deliveries() == {"cancelled": 0, "unpaused": 0, "inbox_delivered": 0}
    assert tasks.send_due_deliveries() == {"inbox_delivered": 0, "delivered": 1, "retrying": 0, "failed": 0, "cancelled": 0}
    assert tasks.release_stuck_deliveries() == {"requeued": 0, "failed": 0}
    assert tasks.run_daily_task.name == "notifications.tasks.run_daily"  # routed to the bulk queue


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source messages; Japanese is the default language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
