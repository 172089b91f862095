"""The e-mail outbox: claim, send with Reply-To, retry with backoff, fail after N, never twice."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications.models import Delivery, DeliveryAttempt, DeliveryStatus, Notice, NoticeStatus
from notifications.services import outbox
from notifications.services.outbox import (
    MAX_ATTEMPTS,
    STUCK_AFTER,
    backoff,
    deliveries_claim,
    deliveries_release_stuck,
    deliveries_send_due,
)
from tests.factories import StoreFactory
from tests.notifications.mail_backends import ScriptedBackend, refused, transient
from tests.notifications.pipeline import connected_car, consent, run
from vehicles.models import ConsentCategory

pytestmark = pytest.mark.django_db
START = dt.datetime(2027, 2, 28, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def scripted(settings):
    settings.EMAIL_BACKEND = "tests.notifications.mail_backends.ScriptedBackend"
    ScriptedBackend.errors, ScriptedBackend.open_error = [], None
    yield ScriptedBackend
    ScriptedBackend.errors, ScriptedBackend.open_error = [], None


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def email_delivery(car) -> Delivery:
    return Delivery.objects.get(notice__vehicle=car, channel="email")


def test_sends_the_mail_once_with_reply_to_and_html(settings, clock):
    settings.REPLY_DOMAIN = "reply.example.jp"
    car = connected_car(language="en")
    run("2027-02-28")
    result = deliveries_send_due()
    assert (result.delivered, result.failed) == (1, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    notice = Notice.objects.get(vehicle=car)
    assert message.to == ["owner@example.jp"]
    assert message.reply_to == [f"{notice.reply_token}@reply.example.jp"]
    assert "31 May 2027" in message.subject
    assert message.alternatives[0][1] == "text/html" and "31 May 2027" in message.alternatives[0][0]
    delivery = email_delivery(car)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert delivery.delivered_at == START
    assert list(DeliveryAttempt.objects.filter(delivery=delivery).values_list("ok", flat=True)) == [True]
    # Nothing is due any more: never twice.
    assert deliveries_send_due().delivered == 0
    assert len(mail.outbox) == 1


def test_claims_never_overlap():
    store = StoreFactory()
    for _ in range(3):
        connected_car(store=store)
    run("2027-02-28")
    first = deliveries_claim(limit=2)
    second = deliveries_claim(limit=2)
    assert len(first) == 2 and len(second) == 1
    assert not {c.delivery_id for c in first} & {c.delivery_id for c in second}
    assert deliveries_claim(limit=2) == []
    assert Delivery.objects.filter(channel="email", status=DeliveryStatus.SENDING).count() == 3
    assert first[0].notice.kind == "shaken" and first[0].email == "owner@example.jp" and first[0].allowed


def test_transient_errors_retry_with_exponential_backoff_then_fail(scripted, clock):
    car = connected_car()
    run("2027-02-28")
    scripted.errors = [transient() for _ in range(MAX_ATTEMPTS)]
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result = deliveries_send_due()
        delivery = email_delivery(car)
        assert delivery.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert result.retrying == 1 and delivery.status == DeliveryStatus.QUEUED
            wait = delivery.next_attempt_at - timezone.now()
            waits.append(wait)
            # Not due before the backoff has passed.
            clock.shift(wait - dt.timedelta(seconds=1))
            assert deliveries_send_due().retrying == 0
            clock.shift(dt.timedelta(seconds=1))
        else:
            assert result.failed == 1 and delivery.status == DeliveryStatus.FAILED
    assert waits == [backoff(1), backoff(2), backoff(3), backoff(4)]
    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert "SMTPServerDisconnected" in email_delivery(car).last_error
    assert DeliveryAttempt.objects.filter(delivery__notice__vehicle=car, ok=False).count() == MAX_ATTEMPTS
    assert len(mail.outbox) == 0


def test_a_retry_that_succeeds_is_delivered_once(scripted, clock):
    car = connected_car()
    run("2027-02-28")
    scripted.errors = [transient()]
    deliveries_send_due()
    clock.shift(backoff(1))
    assert deliveries_send_due().delivered == 1
    assert len(mail.outbox) == 1 and email_delivery(car).attempts == 2
    assert list(DeliveryAttempt.objects.order_by("at", "id").values_list("ok", flat=True)) == [False, True]


def test_permanent_error_fails_at_once(scripted, clock):
    car = connected_car()
    run("2027-02-28")
    scripted.errors = [refused()]
    assert deliveries_send_due().failed == 1
    delivery = email_delivery(car)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert "SMTPRecipientsRefused" in delivery.last_error


def test_smtp_server_down_retries_the_whole_batch(scripted, clock):
    store = StoreFactory()
    cars = [connected_car(store=store) for _ in range(2)]
    run("2027-02-28")
    scripted.open_error = ConnectionRefusedError("connection refused")
    assert deliveries_send_due().retrying == 2
    assert {email_delivery(c).status for c in cars} == {DeliveryStatus.QUEUED}
    scripted.open_error = None
    clock.shift(backoff(1))
    assert deliveries_send_due().delivered == 2


def test_consent_withdrawn_before_sending_cancels_the_mail(clock):
    car = connected_car()
    run("2027-02-28")
    consent(car.customer, ConsentCategory.REMINDERS, False)
    assert deliveries_send_due().cancelled == 1
    assert email_delivery(car).status == DeliveryStatus.CANCELLED
    assert len(mail.outbox) == 0


def test_safety_mail_is_sent_whatever_the_consent(clock):
    connected_car(reminders=False)
    run("2027-06-01")
    assert deliveries_send_due().delivered == 1
    body = mail.outbox[0].body
    assert "2027年5月31日" in body


def test_crash_between_send_and_mark_is_at_most_once(clock, monkeypatch):
    car = connected_car()
    run("2027-02-28")

    def killed(sent):
        raise SystemExit("worker killed after SMTP accepted the mail")

    monkeypatch.setattr(outbox, "_mark_delivered", killed)
    with pytest.raises(SystemExit):
        deliveries_send_due()
    monkeypatch.undo()
    assert len(mail.outbox) == 1
    delivery = email_delivery(car)
    assert delivery.status == DeliveryStatus.SENDING and delivery.send_started_at is not None
    # Not stuck yet.
    assert deliveries_release_stuck() == (0, 0)
    clock.shift(STUCK_AFTER + dt.timedelta(seconds=1))
    assert deliveries_release_stuck() == (0, 1)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "outcome unknown" in delivery.last_error
    assert deliveries_send_due().delivered == 0
    assert len(mail.outbox) == 1


def test_a_row_stuck_before_smtp_is_retried(clock):
    car = connected_car()
    run("2027-02-28")
    deliveries_claim(limit=10)  # the worker died right after claiming
    clock.shift(STUCK_AFTER + dt.timedelta(seconds=1))
    assert deliveries_release_stuck() == (1, 0)
    assert deliveries_send_due().delivered == 1
    assert len(mail.outbox) == 1 and email_delivery(car).attempts == 2


def test_a_slow_worker_whose_claim_was_released_does_not_send(clock):
    connected_car()
    run("2027-02-28")
    (stale,) = deliveries_claim(limit=10)
    clock.shift(STUCK_AFTER + dt.timedelta(seconds=1))
    deliveries_release_stuck()
    (fresh,) = deliveries_claim(limit=10)
    result = outbox.OutboxResult()
    from django.core.mail import get_connection

    sent: list = []
    outbox._send_one(stale, get_connection(), result, sent)  # the fence refuses the old claim
    assert len(mail.outbox) == 0 and result.delivered == 0 and sent == []
    outbox._send_one(fresh, get_connection(), result, sent)
    assert len(mail.outbox) == 1 and result.delivered == 1 and [c for c, _at in sent] == [fresh]
    # SMTP took it; it is recorded by the next mail's fence or the batch's end, never later.
    assert Delivery.objects.get(pk=fresh.delivery_id).status == DeliveryStatus.SENDING
    outbox._mark_delivered(sent)
    assert sent == [] and Delivery.objects.get(pk=fresh.delivery_id).status == DeliveryStatus.DELIVERED


def test_inbox_rows_of_other_senders_are_delivered_by_the_outbox(clock):
    car = connected_car()
    run("2027-02-28")
    Delivery.objects.filter(channel="app").update(status=DeliveryStatus.QUEUED, delivered_at=None)
    Notice.objects.update(status=NoticeStatus.QUEUED)
    result = deliveries_send_due()
    assert result.inbox_delivered == 1 and result.delivered == 1
    assert Notice.objects.get(vehicle=car).status == NoticeStatus.SENT


def test_one_statement_per_mail_plus_a_few_per_run(clock, django_assert_max_num_queries):
    """Each mail costs one statement (its fence, which also records the mail before it); a run a
    fixed few (inbox, claims, pacing, the last mail's record, the backlog line; savepoints here)."""
    store = StoreFactory()
    cars = [connected_car(store=store) for _ in range(12)]
    run("2027-02-28")
    with django_assert_max_num_queries(len(cars) + 20):
        assert deliveries_send_due().delivered == len(cars)
    assert len(mail.outbox) == len(cars)
    assert set(Delivery.objects.filter(channel="email").values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert DeliveryAttempt.objects.filter(ok=True).count() == len(cars)
    assert set(Notice.objects.values_list("status", flat=True)) == {NoticeStatus.SENT}


def test_each_further_mail_costs_exactly_one_statement(clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    store = StoreFactory()
    for _ in range(16):
        connected_car(store=store)
    run("2027-02-28")
    deliveries_send_due(batch_size=1, max_batches=1)  # the pacing rows exist from here on

    def statements(mails: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert deliveries_send_due(batch_size=mails, max_batches=1).delivered == mails
        return len(queries)

    five = statements(5)
    assert statements(10) - five == 5
