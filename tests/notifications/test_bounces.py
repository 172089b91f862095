"""Bounces and complaints recorded on their delivery (issue 15 §1–2): hard bounce fails the
delivery and makes the address undeliverable (e-mail stops, app and navi go on), soft bounces
retry with backoff and after N in a row stop the address too, a complaint withdraws the
category's consent like any refusal."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from notifications.models import Delivery, DeliveryStatus, MailAddressState, MailBounce, MailComplaint, Notice
from notifications.parsing.bounces import bounce_parse
from notifications.parsing.complaints import complaint_parse
from notifications.services.bounces import bounce_fingerprint, bounce_record
from notifications.services.complaints import COMPLAINT_SOURCE, complaint_record
from notifications.services.outbox import UNDELIVERABLE, deliveries_send_due
from tests.notifications.bounce_corpus import BOUNCES, COMPLAINTS, filled
from tests.notifications.pipeline import connected_car, run
from tests.notifications.test_daily_run import recall_target
from vehicles.models import ConsentCategory, ConsentRecord, CustomerConsent

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _domain(settings):
    settings.REPLY_DOMAIN = "reply.example.jp"
    settings.MAIL_SOFT_BOUNCE_LIMIT = 3


def _fixture(stem: str, delivery_id: int):
    path = next(p for p in [*BOUNCES, *COMPLAINTS] if p.stem == stem)
    return filled(path, delivery_id=delivery_id)


def _bounce(stem: str, delivery: Delivery):
    raw = _fixture(stem, delivery.pk)
    return bounce_record(delivery_id=delivery.pk, bounce=bounce_parse(raw), fingerprint=bounce_fingerprint(raw))


def _sent(day: str):
    run(day)
    with time_machine.travel(dt.datetime.fromisoformat(day).replace(hour=6, tzinfo=dt.UTC), tick=False):
        deliveries_send_due()


def _email(car, stage="m3") -> Delivery:
    return Delivery.objects.get(notice__vehicle=car, notice__stage=stage, channel="email")


def test_hard_bounce_fails_the_delivery_and_stops_e_mail_to_the_address_only():
    car = connected_car(expiry=D(2027, 5, 31))
    _sent("2027-02-28")
    delivery = _email(car)
    assert delivery.status == DeliveryStatus.DELIVERED
    row = _bounce("postfix_user_unknown", delivery)
    assert (row.kind, row.status) == ("hard", "5.1.1")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "5.1.1" in delivery.last_error
    state = MailAddressState.objects.get(customer=car.customer)
    assert state.email == "owner@example.jp" and state.undeliverable_since is not None
    # The same bounce delivered again changes nothing.
    assert _bounce("postfix_user_unknown", delivery) is None and MailBounce.objects.count() == 1
    # The next notice: its e-mail copy is cancelled, the app copy still arrives.
    mail.outbox.clear()
    _sent("2027-03-31")
    window = Notice.objects.get(vehicle=car, stage="window")
    email = window.deliveries.get(channel="email")
    assert (email.status, email.last_error) == (DeliveryStatus.CANCELLED, UNDELIVERABLE) and mail.outbox == []
    assert window.deliveries.get(channel="app").status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ)
    # Staff (or the owner) change the address: mail goes again.
    car.customer.email = "new@example.jp"
    car.customer.save(update_fields=["email"])
    _sent("2027-04-30")
    assert [m.to for m in mail.outbox] == [["new@example.jp"]]


def test_soft_bounce_retries_with_backoff_and_n_in_a_row_make_the_address_undeliverable():
    car = connected_car(expiry=D(2027, 5, 31))
    _sent("2027-02-28")
    delivery = _email(car)
    with time_machine.travel(dt.datetime(2027, 2, 28, 7, 0, tzinfo=dt.UTC), tick=False):
        _bounce("postfix_mailbox_full", delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    assert delivery.next_attempt_at == dt.datetime(2027, 2, 28, 7, 1, tzinfo=dt.UTC)  # the outbox's backoff
    with time_machine.travel(dt.datetime(2027, 2, 28, 7, 2, tzinfo=dt.UTC), tick=False):
        assert deliveries_send_due().delivered == 1  # sent again
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    _bounce("softbank_quota_exceeded", delivery)
    assert MailAddressState.objects.get(customer=car.customer).undeliverable_since is None
    delivery.refresh_from_db()
    delivery.status = DeliveryStatus.DELIVERED
    delivery.save(update_fields=["status"])
    _bounce("softbank_policy_reject", delivery)
    state = MailAddressState.objects.get(customer=car.customer)
    assert state.soft_bounces_in_row == 3 and state.undeliverable_since is not None


def test_delay_warnings_and_auto_replies_change_nothing():
    car = connected_car(expiry=D(2027, 5, 31))
    _sent("2027-02-28")
    delivery = _email(car)
    for stem in ("postfix_delayed", "softbank_delay_warning", "vacation_autoreply"):
        assert _bounce(stem, delivery) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and not MailAddressState.objects.exists()


def _complain(stem: str, delivery: Delivery):
    raw = _fixture(stem, delivery.pk)
    return complaint_record(complaint=complaint_parse(raw), fingerprint=bounce_fingerprint(raw))


def test_a_complaint_withdraws_the_reminders_consent_at_once_like_any_refusal():
    car = connected_car(expiry=D(2027, 5, 31))
    _sent("2027-02-28")
    run("2027-03-31")  # the next reminder is waiting for the outbox
    row = _complain("arf_yahoo_abuse", _email(car))
    assert row.withdrawn_category == "reminders" and row.reporter == "Yahoo!-Mail-Feedback/2.0"
    assert not CustomerConsent.objects.get(customer=car.customer, category=ConsentCategory.REMINDERS).granted
    record = ConsentRecord.objects.filter(customer=car.customer).latest("id")
    assert (record.granted, record.source) == (False, COMPLAINT_SOURCE) and "Yahoo" in record.evidence
    pending = Notice.objects.get(vehicle=car, stage="window").deliveries.get(channel="email")
    assert pending.status == DeliveryStatus.CANCELLED
    assert _complain("arf_yahoo_abuse", _email(car)) is None and MailComplaint.objects.count() == 1


def test_a_complaint_about_a_safety_mail_is_stored_but_refuses_nothing():
    car = connected_car(expiry=D(2029, 6, 30), registered=None)
    recall_target(car)
    _sent("2027-03-11")
    delivery = Delivery.objects.get(notice__vehicle=car, channel="email")
    row = _complain("arf_headers_only", delivery)
    assert row.withdrawn_category == ""
    assert CustomerConsent.objects.get(customer=car.customer, category=ConsentCategory.REMINDERS).granted

