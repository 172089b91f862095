"""Issue 16 point 12: mail that asks the owner to reply comes from the dealer's store, at an
address the owner can reply to, and the text says where the reply goes."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes
from email.header import decode_header, make_header
from email.utils import getaddresses

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from notifications.models import Notice
from notifications.services.outbox import deliveries_send_due
from notifications.services.render import sender_name
from tests.factories import DealerCompanyFactory, StoreFactory
from tests.notifications.pipeline import connected_car, run

pytestmark = pytest.mark.django_db


def _sent_from(message) -> tuple[str, str]:
    raw = message_from_bytes(message.message().as_bytes())
    (name, address), = getaddresses([str(make_header(decode_header(raw["From"])))])
    return name, address


@time_machine.travel(dt.datetime(2027, 2, 28, 6, 0, tzinfo=dt.UTC), tick=False)
def test_reminder_comes_from_the_dealers_store_at_its_reply_address(settings):
    settings.REPLY_DOMAIN = "reply.example.jp"
    settings.DEFAULT_FROM_EMAIL = "T-Connect <no-reply@tconnect.example.jp>"
    store = StoreFactory(company=DealerCompanyFactory(name="中部トヨタカーライフ"), name="名古屋栄店")
    car = connected_car(store=store)
    run("2027-02-28")
    deliveries_send_due()
    (message,) = mail.outbox
    notice = Notice.objects.get(vehicle=car)
    name, address = _sent_from(message)
    assert name == "中部トヨタカーライフ 名古屋栄店"
    assert address == f"{notice.reply_token}@reply.example.jp"  # pressing reply reaches the listener
    assert message.reply_to == [address]
    assert "no-reply" not in message.message()["From"] and "T-Connect" not in name
    with translation.override("ja"):
        where = gettext(
            "Your reply goes straight to %(store)s: this mail's reply address belongs to this mail alone, so simply press reply."
        ) % {"store": "名古屋栄店"}
    assert where in message.body
    assert "名古屋栄店" in message.alternatives[0][0]


def test_sender_name_does_not_repeat_the_company_and_falls_back_to_the_configured_name(settings):
    settings.DEFAULT_FROM_EMAIL = "T-Connect <no-reply@tconnect.example.jp>"
    assert sender_name(Notice(context={"company_name": "A社", "store_name": "A社 栄店"})) == "A社 栄店"
    assert sender_name(Notice(context={"sender": {"name": "A社"}})) == "A社"
    assert sender_name(Notice(context={})) == "T-Connect"
