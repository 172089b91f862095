"""Bounces and complaints end to end (issue 15): the outbox sends with a VERP envelope sender, the
real inbound listener takes the bounce at that address (and the ARF report at the complaint
address), the worker parses it and the delivery, the address and the consent show the outcome.
Forged bounce addresses are refused at RCPT."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
import time_machine
from django.conf import settings

from notifications.models import Delivery, DeliveryStatus, MailAddressState, ReceivedMail
from notifications.services.inbound_mail import received_mail_process
from notifications.services.outbox import deliveries_send_due
from notifications.services.verp import bounce_address, complaint_address
from tests.notifications.bounce_corpus import BOUNCES, COMPLAINTS, filled
from tests.notifications.pipeline import connected_car, run
from tests.notifications.smtp_client import running_listener
from vehicles.models import ConsentCategory, CustomerConsent

pytestmark = pytest.mark.django_db(transaction=True)
D = dt.date


@pytest.fixture
def listener(monkeypatch):
    # The worker's task is queued on commit; here the test runs the worker's service itself.
    monkeypatch.setattr("notifications.services.inbound_mail._queue", lambda received_id: None)
    with running_listener() as port:
        yield port


def _sent_reminder():
    car = connected_car(expiry=D(2027, 5, 31))
    run("2027-02-28")
    with time_machine.travel(dt.datetime(2027, 2, 28, 6, 0, tzinfo=dt.UTC), tick=False):
        deliveries_send_due()
    return car, Delivery.objects.get(notice__vehicle=car, channel="email")


def _deliver(port: int, recipient: str, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        crlf = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # as mail systems send it
        client.sendmail("", [recipient], crlf)  # bounces come with the null sender
    for row in ReceivedMail.objects.filter(status="received"):
        received_mail_process(received_id=row.pk)


def _stem(stem):
    return next(p for p in [*BOUNCES, *COMPLAINTS] if p.stem == stem)


def test_a_hard_bounce_through_the_listener_fails_the_delivery_and_the_address(listener):
    car, delivery = _sent_reminder()
    _deliver(listener, bounce_address(delivery.pk), filled(_stem("gmail_no_such_user"), delivery.pk))
    row = ReceivedMail.objects.get()
    assert (row.kind, row.status) == ("bounce", "processed") and "hard 5.1.1" in row.note
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert MailAddressState.objects.get(customer=car.customer).undeliverable_since is not None


def test_a_japanese_carrier_bounce_through_the_listener(listener):
    _car, delivery = _sent_reminder()
    _deliver(listener, bounce_address(delivery.pk).upper(), filled(_stem("docomo_unknown_user"), delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "Unknown user" in delivery.last_error


def test_an_arf_report_at_the_complaint_address_withdraws_consent(listener):
    car, delivery = _sent_reminder()
    _deliver(listener, complaint_address(), filled(_stem("arf_yahoo_abuse"), delivery.pk))
    row = ReceivedMail.objects.get()
    assert (row.kind, row.status) == ("complaint", "processed") and "reminders withdrawn" in row.note
    assert not CustomerConsent.objects.get(customer=car.customer, category=ConsentCategory.REMINDERS).granted


def test_forged_bounce_addresses_are_refused_at_rcpt(listener):
    _sent_reminder()
    with smtplib.SMTP("127.0.0.1", listener, timeout=10) as client:
        client.ehlo()
        code, _message = client.docmd("MAIL FROM:<>")
        assert code == 250
        code, _message = client.docmd(f"RCPT TO:<bounce-1-00000000000000000000@{settings.REPLY_DOMAIN}>")
        assert code == 550
    assert not ReceivedMail.objects.exists()
