"""A bounce → what it says about the delivery: hard, soft, or no failure at all.

Pure. `bounce_parse(raw)` returns a `Bounce` or raises `MalformedMail` (the reply parser's error,
`notifications.parsing.mail`), never anything else, for any bytes up to INBOUND_MAIL_MAX_BYTES.
Which delivery it is about is not read here: the envelope recipient (VERP) says that.

Read in this order:
1. A delivery status notification (RFC 3464: multipart/report; report-type=delivery-status): the
   first recipient block's Action, Status and Diagnostic-Code. `failed` with status 5.x.x is
   hard, except the statuses that say nothing against the address (mailbox full 5.2.2, message
   too big 5.3.4, policy and spam blocks 5.7.x): those are soft, as is `failed` with 4.x.x.
   `delayed`, `delivered`, `relayed` and `expanded` are not failures.
2. Anything else (Exim's, qmail's, old sendmail's and carriers' plain-text notices): the text of
   the first parts is searched for an enhanced status code, else an SMTP reply code, else the
   phrases such notices use ("User unknown", "permanent error", 「宛先不明」…, or "mailbox full",
   "will keep trying"…).
3. An auto-reply (Auto-Submitted: auto-replied, 自動応答, out of office) is not a bounce.

Bounded like the reply parser: the same shape checks first, then linear work over at most
TEXT_CAP characters of text; fields are capped (diagnostic DIAGNOSTIC_CAP characters).
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from email.errors import MessageError

from notifications.parsing import mime
from notifications.parsing.mail import MalformedMail, check_bounds, decode

HARD, SOFT, NONE = "hard", "soft", ""
TEXT_CAP = 64_000  # characters of plain text searched in a non-standard bounce
DIAGNOSTIC_CAP = 500
_ADDRESS_CAP = 254

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_REPLY_CODE = re.compile(r"(?:^|[\s(:\"'])([45][0-5][0-9])(?=[ \-])", re.M)
_ADDRESS = re.compile(r"[A-Za-z0-9._%+!#$&'*/=?^`{|}~-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}")
# Statuses that fail the mail but not the address (RFC 3463): full mailbox, too big, policy/spam.
_SOFT_STATUSES = re.compile(r"^5\.(?:2\.2|3\.\d+|7\.\d+)$")
_UNKNOWN_USER = re.compile(
    r"user unknown|unknown user|no such (?:user|mailbox|recipient)|does not exist|doesn't exist|"
    r"invalid (?:recipient|mailbox|address)|recipient (?:address )?rejected|mailbox unavailable|"
    r"mailbox not found|address rejected|account (?:is )?(?:disabled|inactive)|not (?:a )?valid (?:user|mailbox)|"
    r"host or domain name not found|domain not found|宛先不明|存在しません|ユーザが見つかりません|受信拒否",
    re.I,
)
_PERMANENT = re.compile(
    r"permanent(?:ly)? (?:error|failure|fatal)|permanent fatal errors|i've given up|could not be delivered|"
    r"delivery to the following recipients? failed permanently|undeliverable|配信できませんでした|届きませんでした",
    re.I,
)
_TEMPORARY = re.compile(
    r"temporar(?:y|ily)|mailbox (?:is )?full|over quota|quota exceeded|insufficient storage|"
    r"will (?:keep|continue) (?:trying|to try)|still trying|delayed|try again later|容量|一時的",
    re.I,
)
# Where a plain-text bounce starts quoting the original mail (Exim, qmail, Postfix, sendmail, carriers).
_ORIGINAL_COPY = re.compile(
    r"^.*(?:this is a copy of the message|below this line is a copy of the message|original message follows|"
    r"-+ ?original message ?-+|-+ ?returned mail ?-+|元のメッセージ|以下、送信されたメール).*$",
    re.I | re.M,
)
# A warning that the MTA is still trying: the mail may yet arrive, so it is no outcome (and must
# not be re-sent).
_STILL_TRYING = re.compile(
    r"this is a warning only|has not yet been delivered|delivery attempts will continue|will be retried until|"
    r"delayed mail|still being retried|delivery (?:status notification \(delay\)|delayed)",
    re.I,
)
_MAIL_SYSTEM = re.compile(r"mailer-daemon|postmaster|mail delivery|delivery subsystem", re.I)
_AUTO_REPLY = re.compile(r"out of (?:the )?office|vacation|auto(?:matic)?[ -]?reply|自動応答|自動返信|不在", re.I)


@dataclass(frozen=True)
class Bounce:
    kind: str  # HARD, SOFT or NONE (not a failure)
    status: str  # enhanced status code "5.1.1", or the SMTP code "550", or ""
    diagnostic: str  # what the receiving server said, for staff (capped)
    recipient: str  # the address it names, for display only (capped)
    standard: bool  # read from an RFC 3464 report (else from text)


def _text(value: bytes | None, cap: int) -> str:
    if not value:
        return ""
    text = decode(value[: cap * 4], None).replace("\x00", "")
    return " ".join(text.split())[:cap].encode("utf-8", "replace").decode("utf-8")


def _kind_for_status(status: str, action: str, diagnostic: str) -> str:
    if action in ("delayed", "delivered", "relayed", "expanded"):
        return NONE
    if status.startswith("5") or (not status and action == "failed"):
        if _SOFT_STATUSES.match(status) and not _UNKNOWN_USER.search(diagnostic):
            return SOFT
        return HARD
    if status.startswith("4"):
        return SOFT
    return NONE if status.startswith("2") else SOFT


def _recipient_block(report: mime.Part) -> mime.Part | None:
    """The first per-recipient block of a message/delivery-status body (the one with Action)."""
    for block in re.split(rb"\r?\n[ \t]*\r?\n", report.decoded()[:TEXT_CAP]):
        part = mime.split(block.strip(b"\r\n") + b"\n")
        if part.header("action") is not None or part.header("status") is not None:
            return part
    return None


def _address(value: str) -> str:
    found = _ADDRESS.search(value)
    return found.group()[:_ADDRESS_CAP] if found else ""


def _from_report(report: mime.Part) -> Bounce | None:
    block = _recipient_block(report)
    if block is None:
        return None
    action = _text(block.header("action"), 20).lower()
    diagnostic = _text(block.header("diagnostic-code"), DIAGNOSTIC_CAP)
    status_field = _text(block.header("status"), 40)
    found = _STATUS.search(status_field) or _STATUS.search(diagnostic)
    status = ".".join(found.groups()) if found else ""
    recipient = _address(_text(block.header("final-recipient"), 400) or _text(block.header("original-recipient"), 400))
    return Bounce(_kind_for_status(status, action, diagnostic), status, diagnostic, recipient, standard=True)


def _plain_text(message: mime.Part) -> str:
    chunks, size = [], 0
    for part in mime.walk(message):
        if part.content_type in ("text/plain", "text/html", "message/delivery-status") and size < TEXT_CAP:
            text = decode(part.decoded()[: TEXT_CAP * 2], part.param("charset"))[: TEXT_CAP - size]
            chunks.append(text)
            size += len(text)
        if part.content_type in ("text/rfc822-headers", "message/rfc822") or size >= TEXT_CAP:
            break  # the quoted original follows: its words are not the bounce's
    text = "\n".join(chunks)
    copy = _ORIGINAL_COPY.search(text)
    return text[: copy.start()] if copy else text


def _diagnostic_line(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return " ".join(text[start : end if end != -1 else len(text)].split())[:DIAGNOSTIC_CAP]


def _from_text(text: str) -> Bounce:
    if _STILL_TRYING.search(text):
        return Bounce(NONE, "", "", _address(text), standard=False)
    status = _STATUS.search(text)
    code = _REPLY_CODE.search(text)
    recipient = _address(text)
    if status and status.group(1) != "2":
        value = ".".join(status.groups())
        diagnostic = _diagnostic_line(text, status.start())
        return Bounce(_kind_for_status(value, "failed", diagnostic), value, diagnostic, recipient, standard=False)
    if code:
        diagnostic = _diagnostic_line(text, code.start(1))
        kind = HARD if code.group(1).startswith("5") else SOFT
        if kind == HARD and not _UNKNOWN_USER.search(diagnostic) and code.group(1) in ("552", "554"):
            kind = SOFT  # 552 "mailbox full" and 554 "transaction failed" (often spam) spare the address
        return Bounce(kind, code.group(1), diagnostic, recipient, standard=False)
    unknown = _UNKNOWN_USER.search(text)
    if unknown or _PERMANENT.search(text):
        at = (unknown or _PERMANENT.search(text)).start()  # type: ignore[union-attr]
        return Bounce(HARD, "", _diagnostic_line(text, at), recipient, standard=False)
    temporary = _TEMPORARY.search(text)
    if temporary:
        return Bounce(SOFT, "", _diagnostic_line(text, temporary.start()), recipient, standard=False)
    return Bounce(NONE, "", "", recipient, standard=False)


def _auto_reply(message: mime.Part) -> bool:
    """A vacation or other auto-reply: bounces say Auto-Submitted too, but come from the mail
    system (MAILER-DAEMON, postmaster) or as a report, and do not say "out of office"."""
    if message.content_type == "multipart/report":
        return False
    if _AUTO_REPLY.search(_text(message.header("subject"), 200)):
        return True
    submitted = _text(message.header("auto-submitted"), 40).lower()
    return submitted.startswith("auto-replied") and not _MAIL_SYSTEM.search(_text(message.header("from"), 200))


def bounce_parse(raw: bytes) -> Bounce:
    """Parse raw bounce bytes; MalformedMail (or MailTooComplex) when it is not a mail at all."""
    if not raw or not raw.strip():
        raise MalformedMail("empty message")
    check_bounds(raw)
    try:
        message = mime.split(raw)
        if _auto_reply(message):
            return Bounce(NONE, "", "", "", standard=False)
        if _STILL_TRYING.search(_text(message.header("subject"), 200)) and message.content_type != "multipart/report":
            return Bounce(NONE, "", "", "", standard=False)
        for part in mime.walk(message):
            if part.content_type == "message/delivery-status":
                report = _from_report(part)
                if report is not None:
                    return report
                break
        return _from_text(_plain_text(message))
    except (MessageError, LookupError, UnicodeError, ValueError, binascii.Error) as exc:
        raise MalformedMail(f"{type(exc).__name__}: {exc}") from exc
