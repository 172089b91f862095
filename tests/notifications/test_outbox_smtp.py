"""The outbox over real SMTP (a local aiosmtpd server): the mail's envelope is sent while its fence
commits, the message only once the fence held (notifications.services.outbox_smtp)."""

from __future__ import annotations

import datetime as dt
import email
import logging
import socket
import threading

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.mail import get_connection

from notifications.models import Delivery, DeliveryAttempt, DeliveryStatus, MailPace
from notifications.services import outbox
from notifications.services.outbox import STUCK_AFTER, deliveries_claim, deliveries_release_stuck, deliveries_send_due
from notifications.services.outbox_smtp import SmtpOverlap
from notifications.services.verp import delivery_for_bounce_address
from tests.factories import StoreFactory
from tests.notifications.pipeline import connected_car, run

pytestmark = pytest.mark.django_db
START = dt.datetime(2027, 2, 28, 6, 0, tzinfo=dt.UTC)


class Server:
    """Takes every mail, except the recipients it is told to answer with a code at RCPT."""

    def __init__(self) -> None:
        self.received: list[tuple[int | None, bytes]] = []
        self.answers: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.answers:
            return self.answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((delivery_for_bounce_address(envelope.mail_from), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    server = Server()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.MAIL_PACE_CARRIER_PER_MINUTE = settings.MAIL_PACE_FREEMAIL_PER_MINUTE = 6000
    settings.MAIL_PACE_OTHER_PER_MINUTE = 6000
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _cars(*emails: str) -> list:
    store = StoreFactory()
    cars = [connected_car(store=store, email=address) for address in emails]
    run("2027-02-28")
    return cars


def _statuses() -> dict[str, str]:
    return dict(Delivery.objects.filter(channel="email").values_list("notice__customer__email", "status"))


def test_each_mail_arrives_once_over_one_session_one_statement_each(smtp, clock, django_assert_max_num_queries):
    addresses = [f"owner{i}@example.jp" for i in range(6)]
    _cars(*addresses)
    with django_assert_max_num_queries(len(addresses) + 20):
        assert deliveries_send_due().delivered == len(addresses)
    ids = [delivery_id for delivery_id, _raw in smtp.received]
    assert sorted(ids) == sorted(Delivery.objects.filter(channel="email").values_list("id", flat=True))
    assert set(_statuses().values()) == {DeliveryStatus.DELIVERED}
    assert DeliveryAttempt.objects.filter(ok=True).count() == len(addresses)
    message = email.message_from_bytes(smtp.received[0][1])
    assert message["Message-ID"] and message["List-Unsubscribe"] and message.is_multipart()


def test_a_recipient_refused_at_rcpt_fails_that_mail_only_and_the_session_goes_on(smtp, clock):
    _cars("a@example.jp", "gone@example.jp", "c@example.jp")
    smtp.answers["gone@example.jp"] = "550 5.1.1 User unknown"
    result = deliveries_send_due()
    assert (result.delivered, result.failed) == (2, 1)
    assert _statuses() == {"a@example.jp": "delivered", "gone@example.jp": "failed", "c@example.jp": "delivered"}
    assert "SMTPRecipientsRefused" in Delivery.objects.get(status="failed").last_error
    assert len(smtp.received) == 2


def test_a_421_at_rcpt_pauses_the_group_and_its_mail_waits(smtp, clock):
    _cars("a@example.jp", "b@example.jp", "c@example.jp")
    smtp.answers["a@example.jp"] = "421 4.7.0 Try again later"
    result = deliveries_send_due()
    assert result.delivered == 0 and result.retrying == 1 and result.paced == 2
    assert set(_statuses().values()) == {DeliveryStatus.QUEUED}
    assert MailPace.objects.get(group="other").deferrals == 1
    assert smtp.received == []
    smtp.answers.clear()
    clock.shift(dt.timedelta(minutes=5))
    assert deliveries_send_due().delivered == 3
    assert len(smtp.received) == 3


def test_a_claim_released_meanwhile_is_abandoned_before_data(smtp, clock):
    _cars("a@example.jp")
    (stale,) = deliveries_claim(limit=10)
    clock.shift(STUCK_AFTER + dt.timedelta(seconds=1))
    deliveries_release_stuck()
    (fresh,) = deliveries_claim(limit=10)
    backend = get_connection()
    overlap = SmtpOverlap.for_backend(backend)
    assert overlap is not None
    result, sent = outbox.OutboxResult(), []
    try:
        assert outbox._send_one(stale, backend, result, sent, overlap) == ""  # envelope sent, fence refused: RSET
        assert smtp.received == [] and result.delivered == 0
        assert outbox._send_one(fresh, backend, result, sent, overlap) == DeliveryStatus.DELIVERED  # same session
        outbox._mark_delivered(sent)
    finally:
        overlap.close()
        backend.close()
    assert [delivery_id for delivery_id, _raw in smtp.received] == [fresh.delivery_id]
    assert Delivery.objects.get(pk=fresh.delivery_id).status == DeliveryStatus.DELIVERED


def test_a_mail_that_cannot_be_rendered_fails_and_nothing_is_sent(smtp, clock, monkeypatch):
    _cars("a@example.jp", "b@example.jp")

    def broken(claim, connection):
        if claim.email == "a@example.jp":
            raise outbox.PermanentSendError("render: no template")
        return real(claim, connection)

    real = outbox._message
    monkeypatch.setattr(outbox, "_message", broken)
    result = deliveries_send_due()
    assert (result.delivered, result.failed) == (1, 1)
    assert _statuses() == {"a@example.jp": "failed", "b@example.jp": "delivered"}
    assert len(smtp.received) == 1
