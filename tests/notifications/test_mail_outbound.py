"""Issue 15 §1–3, the sending side: every e-mail has its own envelope sender (VERP) and
Message-ID, Date and Auto-Submitted; refusable mail carries one-click refusal and the law's
footer, safety mail neither; subjects are clean; DKIM signatures verify with the public key."""

from __future__ import annotations

import base64
import datetime as dt
from email import message_from_bytes
from email.utils import parsedate_to_datetime

import dkim
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail

from notifications.models import Delivery, Notice
from notifications.services.outbox import deliveries_send_due
from notifications.services.verp import (
    bounce_address,
    delivery_for_bounce_address,
    delivery_for_message_id,
    delivery_signature,
    message_id,
)
from tests.factories import DealerCompanyFactory, StoreFactory
from tests.notifications.pipeline import connected_car, run
from tests.notifications.test_daily_run import recall_target
from vehicles.models import ConsentCategory, CustomerConsent

pytestmark = pytest.mark.django_db
D = dt.date
NOW = dt.datetime(2027, 2, 28, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _domain(settings):
    settings.REPLY_DOMAIN = "reply.example.jp"
    settings.SITE_URL = "https://portal.example.jp"


def _send(day: str) -> list:
    run(day)
    with time_machine.travel(dt.datetime.fromisoformat(day).replace(hour=6, tzinfo=dt.UTC), tick=False):
        deliveries_send_due()
    return mail.outbox


def _raw(message) -> bytes:
    return message.message().as_bytes(linesep="\r\n")


def test_reminder_has_its_own_envelope_sender_message_id_date_and_auto_submitted():
    car = connected_car(store=StoreFactory(company=DealerCompanyFactory(postal_address="名古屋市中区栄1-1-1")))
    (message,) = _send("2027-02-28")
    delivery = Delivery.objects.get(notice__vehicle=car, channel="email")
    assert message.from_email == bounce_address(delivery.pk)
    assert delivery_for_bounce_address(message.from_email) == delivery.pk
    headers = message_from_bytes(_raw(message))
    assert delivery_for_message_id(headers["Message-ID"]) == delivery.pk
    assert parsedate_to_datetime(headers["Date"]) == NOW
    assert headers["Auto-Submitted"] == "auto-generated"
    assert not headers["Subject"].startswith(" ")  # clean subjects


def test_reminder_carries_one_click_refusal_and_the_law_footer(client):
    company = DealerCompanyFactory(name="中部トヨタカーライフ", postal_address="名古屋市中区栄1-1-1", complaints_contact="0120-000-111")
    car = connected_car(store=StoreFactory(company=company))
    (message,) = _send("2027-02-28")
    headers = message_from_bytes(_raw(message))
    url = "".join(headers["List-Unsubscribe"].split()).strip("<>")
    assert url.startswith("https://portal.example.jp/") and headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for item in ("中部トヨタカーライフ", "名古屋市中区栄1-1-1", "0120-000-111", url):
        assert item in message.body and item in message.alternatives[0][0]
    assert "リコール" in message.body  # safety notices continue, and the mail says so
    # The confirmation page says what stops and what does not.
    page = client.get(url.removeprefix("https://portal.example.jp")).content.decode()
    assert "車検" in page and "リコール" in page
    # A mail client's one-click POST withdraws the reminders consent at once (RFC 8058).
    response = client.post(url.removeprefix("https://portal.example.jp"), data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not CustomerConsent.objects.get(customer=car.customer, category=ConsentCategory.REMINDERS).granted


def test_safety_mail_has_no_refusal_link_and_no_promotion():
    car = connected_car(expiry=D(2029, 6, 30), registered=None)
    recall_target(car)
    (message,) = _send("2027-03-11")
    assert Notice.objects.get(vehicle=car).category == "safety"
    headers = message_from_bytes(_raw(message))
    assert headers["List-Unsubscribe"] is None
    assert "/optout/" not in message.body and "受信を拒否" not in message.body


def test_lapsed_shaken_is_safety_mail_without_refusal():
    car = connected_car(expiry=D(2027, 5, 31))
    messages = _send("2027-06-01")
    lapsed = Delivery.objects.get(notice__vehicle=car, notice__stage="lapsed", channel="email")
    assert lapsed.notice.category == "safety"
    (message,) = [m for m in messages if m.from_email == bounce_address(lapsed.pk)]
    assert message_from_bytes(_raw(message))["List-Unsubscribe"] is None and "/optout/" not in message.body


def test_bounce_addresses_cannot_be_forged_or_guessed():
    address = bounce_address(42)
    assert delivery_for_bounce_address(address.upper()) == 42  # mail systems may change case
    assert delivery_for_bounce_address(address.replace("42-", "43-")) is None
    assert delivery_for_bounce_address(f"bounce-42-{'0' * 20}@reply.example.jp") is None
    assert delivery_for_bounce_address(address.replace("reply.example.jp", "evil.example")) is None
    assert delivery_for_message_id(f"<42.{delivery_signature(42)}@evil.example>") is None
    assert delivery_for_message_id(message_id(42)) == 42


@pytest.fixture
def dkim_key(settings, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    settings.DKIM_DOMAIN, settings.DKIM_SELECTOR, settings.DKIM_PRIVATE_KEY = "example.jp", "tc2027", pem
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name, timeout=5):
        return record if name == b"tc2027._domainkey.example.jp." else None

    return dns


def test_dkim_signature_verifies_with_the_public_key_and_covers_one_click_headers(dkim_key):
    connected_car()
    (message,) = _send("2027-02-28")
    raw = _raw(message)
    assert raw.startswith(b"DKIM-Signature:")
    assert dkim.verify(raw, dnsfunc=dkim_key)
    signature = message_from_bytes(raw)["DKIM-Signature"].replace("\r\n", "").replace(" ", "")
    signed = next(tag for tag in signature.split(";") if tag.startswith("h=")).removeprefix("h=").split(":")
    assert {"from", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"} <= set(signed)
    tampered = raw.replace(b"Subject: ", b"Subject: X", 1)
    assert not dkim.verify(tampered, dnsfunc=dkim_key)


def test_dkim_survives_folding_whitespace_repeated_headers_and_attachments(dkim_key):
    from notifications.services.dkim_signing import dkim_signature

    raw = (
        b"From: =?utf-8?b?5Lit6YOo44OI44Oo44K/?= <a@reply.example.jp>\r\nTo:  b@example.jp \r\n"
        b"Subject: first\r\nSubject: a long\r\n\t folded   subject\r\nDate: Mon, 1 Feb 2027 06:00:00 +0000\r\n"
        b"Message-ID: <1.x@reply.example.jp>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ntrailing spaces   \r\n\ttabs\there\r\n"
        b"--b\r\nContent-Type: text/calendar\r\nContent-Transfer-Encoding: base64\r\n\r\nQkVHSU46VkNBTEVOREFS\r\n"
        b"--b--\r\n\r\n\r\n"
    )
    signed = dkim_signature(raw) + raw
    assert dkim.verify(signed, dnsfunc=dkim_key)
    # A relay that re-folds a header and adds blank lines at the end keeps it valid (relaxed).
    relayed = signed.replace(b"To:  b@example.jp ", b"To:\r\n b@example.jp") + b"\r\n"
    assert dkim.verify(relayed, dnsfunc=dkim_key)
    # The last Subject is the signed one (RFC 6376 §5.4.2: bottom-up); changing it breaks the signature.
    assert not dkim.verify(signed.replace(b"folded", b"Folded"), dnsfunc=dkim_key)
    assert not dkim.verify(signed.replace(b"trailing", b"Trailing"), dnsfunc=dkim_key)
