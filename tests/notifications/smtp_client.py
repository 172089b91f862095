"""The SMTP side of the listener tests: the real inbound listener on a free loopback port, the
reply address of a notice, and owners' reply mails as a mail client writes them (CRLF line ends,
as on the wire). Shared by the reply, hostile-mail and bounce tests."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from email import policy
from email.mime.text import MIMEText

from django.conf import settings

from notifications.api.smtp import inbound_smtp_controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_listener() -> Iterator[int]:
    """The product's inbound SMTP listener, started and stopped around the block; yields its port."""
    port = free_port()
    controller = inbound_smtp_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
        controller.handler.close()


def reply_address(notice) -> str:
    return f"{notice.reply_token}@{settings.REPLY_DOMAIN}"


def reply_message(text: str, *, msgid: str, sender: str = "alice@example.jp", to: str | None = None,
                  charset: str = "utf-8") -> bytes:
    """An owner's reply to a reminder (Subject "Re: 車検のご案内")."""
    mail = MIMEText(text, "plain", charset)
    mail["From"], mail["Subject"], mail["Message-ID"] = sender, "Re: 車検のご案内", msgid
    if to is not None:
        mail["To"] = to
    return mail.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))
