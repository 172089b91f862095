"""E-mail backends that fail on purpose, for the outbox tests (settings.EMAIL_BACKEND)."""

from __future__ import annotations

import smtplib

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class ScriptedBackend(LocmemBackend):
    """Raises the next error of `errors` (class-level, set by the test) per message; when the
    list is empty it delivers to mail.outbox like locmem."""

    errors: list[Exception] = []
    open_error: Exception | None = None

    def open(self):
        if ScriptedBackend.open_error is not None:
            raise ScriptedBackend.open_error
        return super().open()

    def send_messages(self, messages):
        if ScriptedBackend.errors:
            raise ScriptedBackend.errors.pop(0)
        return super().send_messages(messages)


def transient() -> Exception:
    return smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def refused() -> Exception:
    return smtplib.SMTPRecipientsRefused({"owner@example.jp": (550, b"5.1.1 User unknown")})


def outbox_count() -> int:
    return len(mail.outbox)
