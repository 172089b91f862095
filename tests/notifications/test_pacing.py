"""Pacing per destination domain group (issue 15 §4): each group at its own rate, a 421/4xx
pauses only that group (doubling), held-back mail keeps its attempts, the backlog is visible."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

import pytest
import time_machine
from django.core import mail

from notifications.models import Delivery, DeliveryStatus, MailPace
from notifications.selectors.pacing import backlog_summary, mail_backlog
from notifications.services.outbox import deliveries_send_due
from notifications.services.pacing import domain_group
from tests.factories import StoreFactory
from tests.notifications.mail_backends import ScriptedBackend
from tests.notifications.pipeline import connected_car, run

pytestmark = pytest.mark.django_db
START = dt.datetime(2027, 2, 28, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def paced(settings):
    settings.EMAIL_BACKEND = "tests.notifications.mail_backends.ScriptedBackend"
    settings.MAIL_PACE_CARRIER_PER_MINUTE = 6  # one every 10 s, a bucket of one
    settings.MAIL_PACE_FREEMAIL_PER_MINUTE = 600
    settings.MAIL_PACE_OTHER_PER_MINUTE = 600
    settings.MAIL_PACE_BACKOFF_SECONDS, settings.MAIL_PACE_BACKOFF_MAX_SECONDS = 60, 300
    ScriptedBackend.errors, ScriptedBackend.open_error = [], None
    yield
    ScriptedBackend.errors = []


def _cars(*emails):
    store = StoreFactory()
    for email in emails:
        connected_car(store=store, email=email)
    run("2027-02-28")


def _email_rows():
    return {d.notice.customer.email: d for d in Delivery.objects.filter(channel="email").select_related("notice__customer")}


def test_domain_groups():
    assert domain_group("a@docomo.ne.jp") == "carrier" and domain_group("b@EZWEB.ne.jp") == "carrier"
    assert domain_group("c@gmail.com") == "freemail" and domain_group("d@yahoo.co.jp") == "freemail"
    assert domain_group("e@dealer.example.jp") == "other"


def test_each_group_at_its_rate_and_held_mail_keeps_its_attempts(paced):
    _cars("a@docomo.ne.jp", "b@docomo.ne.jp", "c@docomo.ne.jp", "d@example.jp", "e@example.jp")
    with time_machine.travel(START, tick=False):
        result = deliveries_send_due()
    assert (result.delivered, result.paced) == (3, 2)  # one carrier mail, both others
    rows = _email_rows()
    held = sorted((d for d in rows.values() if d.status == DeliveryStatus.QUEUED), key=lambda d: d.next_attempt_at)
    assert [d.attempts for d in held] == [0, 0]
    assert [d.next_attempt_at for d in held] == [START + dt.timedelta(seconds=10), START + dt.timedelta(seconds=20)]
    with time_machine.travel(START + dt.timedelta(seconds=10), tick=False):
        assert deliveries_send_due().delivered == 1
    with time_machine.travel(START + dt.timedelta(seconds=20), tick=False):
        assert deliveries_send_due().delivered == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["a@docomo.ne.jp", "b@docomo.ne.jp", "c@docomo.ne.jp", "d@example.jp", "e@example.jp"]


def test_a_421_pauses_only_that_group_doubling_and_a_send_ends_the_backoff(paced):
    _cars("f1@gmail.com", "f2@gmail.com", "f3@gmail.com", "o1@example.jp")
    ScriptedBackend.errors = [smtplib.SMTPResponseException(421, b"4.7.28 Our system has detected an unusual rate")]
    with time_machine.travel(START, tick=False):
        result = deliveries_send_due()
    assert (result.delivered, result.retrying, result.paced) == (1, 1, 2)  # the other group went on
    rows = _email_rows()
    assert rows["o1@example.jp"].status == DeliveryStatus.DELIVERED
    first = rows["f1@gmail.com"]
    assert (first.status, first.attempts) == (DeliveryStatus.QUEUED, 1)
    assert first.next_attempt_at >= START + dt.timedelta(seconds=60)
    assert [rows[e].attempts for e in ("f2@gmail.com", "f3@gmail.com")] == [0, 0]  # held, not tried
    pace = MailPace.objects.get(group="freemail")
    assert (pace.paused_until, pace.backoff_seconds, pace.deferrals) == (START + dt.timedelta(seconds=60), 60, 1)
    assert "unusual rate" in pace.last_deferral
    # Still paused: nothing of the group goes.
    with time_machine.travel(START + dt.timedelta(seconds=30), tick=False):
        assert deliveries_send_due().delivered == 0
    # A second 421 after the pause: twice as long.
    ScriptedBackend.errors = [smtplib.SMTPResponseException(421, b"4.7.0 Try again later")]
    with time_machine.travel(START + dt.timedelta(seconds=61), tick=False):
        deliveries_send_due()
    pace.refresh_from_db()
    assert (pace.backoff_seconds, pace.paused_until) == (120, START + dt.timedelta(seconds=181))
    with time_machine.travel(START + dt.timedelta(seconds=400), tick=False):
        assert deliveries_send_due().delivered == 3
    pace.refresh_from_db()
    assert pace.backoff_seconds == 0


def test_backlog_per_group_with_its_oldest_age_is_logged(paced, caplog):
    _cars("a@docomo.ne.jp", "b@docomo.ne.jp", "c@gmail.com")
    Delivery.objects.update(created_at=START - dt.timedelta(minutes=30))  # written by the database's clock
    backlog = {b.group: b for b in mail_backlog()}
    assert (backlog["carrier"].waiting, backlog["freemail"].waiting, backlog["other"].waiting) == (2, 1, 0)
    assert backlog["carrier"].oldest_age(START) == dt.timedelta(minutes=30)
    assert backlog_summary(now=START).startswith("carrier 2 (oldest 30 min), freemail 1 (oldest 30 min), other 0")
    with caplog.at_level(logging.INFO, logger="notifications.services.outbox"), time_machine.travel(START, tick=False):
        deliveries_send_due()
    assert "backlog carrier 1 (oldest 30 min)" in caplog.text


@pytest.fixture
def published(monkeypatch):
    """What the outbox publishes to the broker (the test settings' broker is not running)."""
    from celery import current_app
    from django.core.cache import cache

    app = current_app._get_current_object()
    sent: list[tuple[str, float]] = []
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(app, "send_task", lambda name, countdown=None, **kw: sent.append((name, countdown)))
    cache.delete("tconnect:pending-task:notifications.tasks.send_due_deliveries")
    yield sent
    app.conf.task_always_eager = previous


def test_a_run_that_held_mail_back_asks_for_one_follow_up_when_it_is_due(paced, published):
    """Beat comes once a minute but a bucket holds ten seconds of mail: without a follow-up a
    backlog would drain at one bucket a minute (CI's scale test waited an hour for 30 %)."""
    _cars("a@docomo.ne.jp", "b@docomo.ne.jp", "c@docomo.ne.jp")
    with time_machine.travel(START, tick=False):
        result = deliveries_send_due()
    assert (result.delivered, result.paced) == (1, 2)
    assert result.follow_up_in == 10.0  # the first held-back row is due one token (10 s) later
    assert published == [("notifications.tasks.send_due_deliveries", 10.0)]
    # A run before then (a beat tick, a daily run's kick) finds the follow-up already pending.
    with time_machine.travel(START + dt.timedelta(seconds=10), tick=False):
        again = deliveries_send_due()
    assert (again.delivered, again.paced) == (1, 0)  # c's row is not due yet: nothing claimed
    with time_machine.travel(START + dt.timedelta(seconds=10), tick=False):
        deliveries_send_due()
    assert len(published) == 1


def test_no_follow_up_when_all_went(paced, published):
    _cars("d@example.jp", "e@example.jp")
    with time_machine.travel(START, tick=False):
        result = deliveries_send_due()
    assert (result.delivered, result.follow_up_in) == (2, None)
    assert published == []


def test_no_follow_up_while_the_group_is_paused_for_longer_than_a_minute(paced, published):
    _cars("f1@gmail.com", "f2@gmail.com")
    ScriptedBackend.errors = [smtplib.SMTPResponseException(421, b"4.7.0 Try again later")]
    with time_machine.travel(START, tick=False):
        result = deliveries_send_due()
    assert (result.retrying, result.paced, result.follow_up_in) == (1, 1, None)  # due after the pause: beat's
    assert published == []


def test_eager_mode_never_asks_for_a_follow_up(paced, published):
    from celery import current_app

    current_app.conf.task_always_eager = True
    _cars("a@docomo.ne.jp", "b@docomo.ne.jp")
    with time_machine.travel(START, tick=False):
        assert deliveries_send_due().paced == 1
    assert published == []
