"""A feedback report (ARF, RFC 5965) → which of our mails the recipient complained about.

Pure. `complaint_parse(raw)` returns a `Complaint` or raises `MalformedMail` for any bytes up to
INBOUND_MAIL_MAX_BYTES. A report names our mail by what it quotes of the original: our
Message-ID and envelope sender carry the delivery (notifications.services.verp), so the service
verifies those and never trusts the report's other fields. Read:

- the message/feedback-report part: Feedback-Type (abuse, fraud, other, …), Original-Mail-From,
  Original-Rcpt-To, User-Agent (the provider, for the record);
- the quoted original (message/rfc822 or text/rfc822-headers): Message-ID and Return-Path;
- a report that is not ARF but forwards one of our mails (as providers without ARF and owners
  themselves do) is read the same way from the forwarded message, as an `abuse` report.

Bounded like the other parsers: shape checks first, fields capped.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from email.errors import MessageError

from notifications.parsing import mime
from notifications.parsing.mail import MalformedMail, check_bounds, decode

FIELD_CAP = 300
_ANGLE = re.compile(r"<[^<>\s]{1,250}>")


@dataclass(frozen=True)
class Complaint:
    feedback_type: str  # "abuse" unless the report says otherwise
    message_ids: tuple[str, ...]  # Message-IDs quoted (the original's first)
    mail_from: tuple[str, ...]  # envelope senders quoted (Original-Mail-From, Return-Path)
    user_agent: str
    arf: bool  # a real RFC 5965 report (else a forwarded mail)


def _field(part: mime.Part, name: str) -> str:
    value = part.header(name)
    if not value:
        return ""
    return " ".join(decode(value[: FIELD_CAP * 4], None).replace("\x00", "").split())[:FIELD_CAP]


def _addresses(value: str) -> list[str]:
    found = _ANGLE.findall(value)
    if found:
        return [f.strip("<>") for f in found]
    return [value.strip()] if "@" in value else []


def _original_headers(part: mime.Part) -> mime.Part:
    """The quoted original's header block (message/rfc822 body or text/rfc822-headers)."""
    return mime.split(part.decoded()[: mime.MAX_HEAD])


def complaint_parse(raw: bytes) -> Complaint:
    """Parse a feedback report; MalformedMail when it is not a mail or quotes no mail at all."""
    if not raw or not raw.strip():
        raise MalformedMail("empty message")
    check_bounds(raw)
    try:
        message = mime.split(raw)
        feedback_type, user_agent, arf = "abuse", "", False
        message_ids: list[str] = []
        mail_from: list[str] = []
        for part in mime.walk(message):
            kind = part.content_type
            if kind == "message/feedback-report":
                report = mime.split(part.decoded()[: mime.MAX_HEAD])
                feedback_type = (_field(report, "feedback-type").lower() or "abuse")[:40]
                user_agent = _field(report, "user-agent")
                mail_from += _addresses(_field(report, "original-mail-from"))
                arf = True
            elif kind in ("message/rfc822", "text/rfc822-headers") and not message_ids:
                original = _original_headers(part)
                message_ids += _ANGLE.findall(_field(original, "message-id"))
                mail_from += _addresses(_field(original, "return-path"))
    except (MessageError, LookupError, UnicodeError, ValueError, binascii.Error) as exc:
        raise MalformedMail(f"{type(exc).__name__}: {exc}") from exc
    if not message_ids and not mail_from:
        raise MalformedMail("no original message quoted", reason="Not a feedback report")
    return Complaint(feedback_type, tuple(message_ids[:5]), tuple(dict.fromkeys(mail_from))[:5], user_agent, arf)
