"""Mail the SMTP listener accepts: routed by recipient, limited per address and sender, stored raw,
parsed and handled by a worker.

Recipient routing is a small table: each address form on REPLY_DOMAIN (`_ADDRESS_FORMS`, a
pattern of the local part) names a kind, the RCPT check of that kind (`_RCPT_CHECKS`) and the
worker's handler (`_HANDLERS`). Kinds: replies (`<token>@`), bounces (`bounce-<delivery>-<signature>@`,
the VERP envelope senders) and feedback-loop complaints (`MAIL_COMPLAINTS_LOCAL_PART@`).

Steps of one mail:
1. RCPT (`recipient_route`, `recipient_check`): an address of a known form whose key is valid,
   within the flood limits (REPLY_FLOOD_PER_TOKEN per reply address and REPLY_FLOOD_PER_SENDER
   per envelope sender in REPLY_FLOOD_WINDOW; past them a temporary refusal, counted in a
   MailFlood row staff see in the admin).
2. DATA (`received_mail_store`): one ReceivedMail row per recipient, the raw bytes as sent (a
   redelivery of the same bytes is stored once), processing queued after commit.
3. Worker (`received_mail_process`): claim the row (attempts + 1, committed first, so a parse
   that kills or hangs the worker is given up after MAX_ATTEMPTS), parse and handle it under the
   row's lock, mark it processed / refused (not readable) in the same transaction: exactly once.
4. Sweep (`received_mail_requeue_stuck`, every minute): rows whose task was lost are queued again;
   `received_mail_purge` (nightly) deletes finished rows older than RECEIVED_MAIL_KEEP_DAYS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from dealers.services.queueing import task_queue_on_commit
from notifications.models.inbound_mail import (
    MailFlood,
    MailFloodScope,
    ReceivedMail,
    ReceivedMailKind,
    ReceivedMailStatus,
)
from notifications.parsing.bounces import bounce_parse
from notifications.parsing.complaints import complaint_parse
from notifications.parsing.mail import MalformedMail, mail_parse
from notifications.services.bounces import bounce_record
from notifications.services.complaints import complaint_record
from notifications.services.replies import notice_for_reply_token, reply_receive_mail
from notifications.services.verp import delivery_for_bounce_address

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Bounces for one delivery, complaints in all, taken per REPLY_FLOOD_WINDOW.
BOUNCE_FLOOD_PER_DELIVERY = 10
COMPLAINT_FLOOD_PER_WINDOW = 10_000
_FEEDBACK_REPORT = re.compile(rb"report-type\s*=\s*\"?feedback-report")
STUCK_AFTER = dt.timedelta(minutes=2)

# Refusals at RCPT (the listener turns each into its SMTP answer).
UNKNOWN = "unknown"  # permanent: no such address, or it expired
FLOOD = "flood"  # temporary: too many mails lately to this address or from this sender


@dataclass(frozen=True)
class Recipient:
    kind: str
    key: str
    address: str


# Local parts on REPLY_DOMAIN, tried in order. Notice tokens are 32 lower-case hex characters;
# a little more is accepted in case the format grows.
_ADDRESS_FORMS: list[tuple[str, re.Pattern[str]]] = [
    (ReceivedMailKind.REPLY, re.compile(r"(?P<key>[0-9a-z]{16,64})")),
    # VERP envelope senders of our deliveries (notifications.services.verp): bounces come back here.
    (ReceivedMailKind.BOUNCE, re.compile(r"bounce-(?P<key>[0-9]{1,18}-[0-9a-f]{20})")),
    # The feedback-loop address registered with providers: ARF complaints.
    (ReceivedMailKind.COMPLAINT, re.compile(rf"(?P<key>{re.escape(settings.MAIL_COMPLAINTS_LOCAL_PART)})")),
]


def clean_envelope(value: str) -> str:
    """An envelope address as we store it: no NUL (PostgreSQL text refuses it), no lone
    surrogate, lower-cased, at most 254 characters."""
    value = (value or "").replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return value.strip().strip("<>").lower()[:254]


def recipient_route(address: str) -> Recipient | None:
    """The kind and key of an address on REPLY_DOMAIN (case-insensitive, like mail), else None."""
    local, at, domain = clean_envelope(address).rpartition("@")
    if not at or domain.rstrip(".") != settings.REPLY_DOMAIN.lower():
        return None
    for kind, form in _ADDRESS_FORMS:
        match = form.fullmatch(local)
        if match:
            return Recipient(kind=kind, key=match["key"], address=f"{local}@{domain.rstrip('.')}")
    return None


# --- RCPT ---------------------------------------------------------------------------------


def _recent(kind: str, now: dt.datetime, **where: str) -> int:
    since = now - settings.REPLY_FLOOD_WINDOW
    return ReceivedMail.objects.filter(kind=kind, received_at__gte=since, **where).count()


_FLOOD_SQL = """
INSERT INTO {table} (kind, scope, value, hour, refused, last_at) VALUES (%s, %s, %s, %s, 1, %s)
ON CONFLICT (kind, scope, value, hour) DO UPDATE SET refused = {table}.refused + 1, last_at = EXCLUDED.last_at
"""


def _flood_record(kind: str, scope: str, value: str, now: dt.datetime) -> None:
    hour = now.replace(minute=0, second=0, microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute(_FLOOD_SQL.format(table=MailFlood._meta.db_table), [kind, scope, value, hour, now])
    logger.warning("inbound %s mail held back: flood limit for %s %s", kind, scope, value)


def _flooded(recipient: Recipient, mail_from: str, now: dt.datetime, *, per_key: int, per_sender: int) -> bool:
    if _recent(recipient.kind, now, key=recipient.key) >= per_key:
        _flood_record(recipient.kind, MailFloodScope.KEY, recipient.key, now)
        return True
    if mail_from and _recent(recipient.kind, now, mail_from=mail_from) >= per_sender:
        _flood_record(recipient.kind, MailFloodScope.SENDER, mail_from, now)
        return True
    return False


def _reply_rcpt_check(recipient: Recipient, mail_from: str, now: dt.datetime) -> str | None:
    if notice_for_reply_token(recipient.key, now=now) is None:
        return UNKNOWN
    limits = {"per_key": settings.REPLY_FLOOD_PER_TOKEN, "per_sender": settings.REPLY_FLOOD_PER_SENDER}
    return FLOOD if _flooded(recipient, mail_from, now, **limits) else None


def _bounce_rcpt_check(recipient: Recipient, mail_from: str, now: dt.datetime) -> str | None:
    # The signature decides (no query): a forged or mistyped bounce address is unknown.
    if delivery_for_bounce_address(recipient.address) is None:
        return UNKNOWN
    limits = {"per_key": BOUNCE_FLOOD_PER_DELIVERY, "per_sender": settings.REPLY_FLOOD_PER_SENDER}
    return FLOOD if _flooded(recipient, mail_from, now, **limits) else None


def _complaint_rcpt_check(recipient: Recipient, mail_from: str, now: dt.datetime) -> str | None:
    limits = {"per_key": COMPLAINT_FLOOD_PER_WINDOW, "per_sender": COMPLAINT_FLOOD_PER_WINDOW}
    return FLOOD if _flooded(recipient, mail_from, now, **limits) else None


_RCPT_CHECKS: dict[str, Callable[[Recipient, str, dt.datetime], str | None]] = {
    ReceivedMailKind.REPLY: _reply_rcpt_check,
    ReceivedMailKind.BOUNCE: _bounce_rcpt_check,
    ReceivedMailKind.COMPLAINT: _complaint_rcpt_check,
}


def recipient_check(recipient: Recipient, *, mail_from: str, now: dt.datetime | None = None) -> str | None:
    """None when mail to `recipient` is taken now, else UNKNOWN or FLOOD."""
    return _RCPT_CHECKS[recipient.kind](recipient, clean_envelope(mail_from), now or timezone.now())


# --- DATA ---------------------------------------------------------------------------------


def _queue(received_id: int) -> None:
    task_queue_on_commit("notifications.received_mail_process", received_id)


@transaction.atomic
def received_mail_store(*, recipients: Iterable[Recipient], raw: bytes, mail_from: str, peer: str) -> int:
    """Store `raw` once per recipient and queue its processing; returns the rows created (a
    redelivery of the same bytes to the same recipient creates none)."""
    digest = hashlib.sha256(raw).hexdigest()
    created_count = 0
    for recipient in recipients:
        row, created = ReceivedMail.objects.get_or_create(
            recipient=recipient.address, digest=digest,
            defaults={"kind": recipient.kind, "key": recipient.key, "mail_from": clean_envelope(mail_from),
                      "peer": clean_envelope(peer)[:64], "raw": raw},
        )
        if created:
            created_count += 1
            _queue(row.pk)
    return created_count


# --- Worker -------------------------------------------------------------------------------


def _reply_handle(row: ReceivedMail) -> str:
    mail = mail_parse(bytes(row.raw))
    reply = reply_receive_mail(token=row.key, mail=mail)
    return f"reply {reply.pk}" if reply is not None else "ignored: no new text, or the address expired"


def _complaint_handle(row: ReceivedMail) -> str:
    complaint = complaint_parse(bytes(row.raw))
    recorded = complaint_record(complaint=complaint, fingerprint=row.digest[:40])
    if recorded is None:
        return "ignored: names none of our deliveries, or seen before"
    return f"complaint {recorded.pk}" + (f": {recorded.withdrawn_category} withdrawn" if recorded.withdrawn_category else "")


def _bounce_handle(row: ReceivedMail) -> str:
    raw = bytes(row.raw)
    if _FEEDBACK_REPORT.search(raw[:8000].lower()):
        return _complaint_handle(row)  # some providers send ARF to the envelope sender
    delivery_id = delivery_for_bounce_address(row.recipient)
    if delivery_id is None:
        return "ignored: not a bounce address of ours"
    bounce = bounce_parse(raw)
    recorded = bounce_record(delivery_id=delivery_id, bounce=bounce, fingerprint=row.digest[:40])
    if recorded is None:
        return f"ignored: {'no failure (delay warning or auto-reply)' if not bounce.kind else 'seen before'}"
    return f"bounce {recorded.pk}: {recorded.kind} {recorded.status}"


# kind → handler: parses the raw mail (MalformedMail when it cannot), acts, returns a note.
_HANDLERS: dict[str, Callable[[ReceivedMail], str]] = {
    ReceivedMailKind.REPLY: _reply_handle,
    ReceivedMailKind.BOUNCE: _bounce_handle,
    ReceivedMailKind.COMPLAINT: _complaint_handle,
}


def _claim(received_id: int) -> int | None:
    """attempts + 1 on a still-received row, committed before any parsing; its new count."""
    with transaction.atomic():
        claimed = ReceivedMail.objects.filter(pk=received_id, status=ReceivedMailStatus.RECEIVED)
        if not claimed.update(attempts=F("attempts") + 1):
            return None
        return claimed.values_list("attempts", flat=True).first()


def received_mail_finish(*, received_id: int, status: str, note: str) -> int:
    """Record the end of a still-received row (the task's last word on an error)."""
    return ReceivedMail.objects.filter(pk=received_id, status=ReceivedMailStatus.RECEIVED).update(
        status=status, note=note[:2000], processed_at=timezone.now()
    )


def received_mail_process(*, received_id: int) -> str | None:
    """Parse and handle one received mail exactly once (see the module docstring)."""
    attempts = _claim(received_id)
    if attempts is None:
        return None
    if attempts > MAX_ATTEMPTS:
        note = f"given up: processing stopped {MAX_ATTEMPTS} times (worker killed or timed out)"
        received_mail_finish(received_id=received_id, status=ReceivedMailStatus.FAILED, note=note)
        logger.error("received mail %s %s", received_id, note)
        return ReceivedMailStatus.FAILED
    with transaction.atomic():
        row = ReceivedMail.objects.select_for_update().filter(pk=received_id, status=ReceivedMailStatus.RECEIVED).first()
        if row is None:
            return None
        try:
            row.note, row.status = _HANDLERS[row.kind](row), ReceivedMailStatus.PROCESSED
        except MalformedMail as exc:
            row.note, row.status = f"{exc.reason} ({exc})", ReceivedMailStatus.REFUSED
            logger.warning("received mail %s refused: %s", row.pk, row.note)
        row.note, row.processed_at = row.note[:2000], timezone.now()
        row.save(update_fields=["status", "note", "processed_at"])
    return row.status


def received_mail_requeue_stuck(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue processing again for received mail whose task was lost; processing is idempotent."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    ids = list(
        ReceivedMail.objects.filter(status=ReceivedMailStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("id", flat=True)[:limit]
    )
    for received_id in ids:
        _queue(received_id)
    return len(ids)


def received_mail_purge(*, now: dt.datetime | None = None) -> int:
    """Delete finished mail (and flood counts) older than RECEIVED_MAIL_KEEP_DAYS: the raw mail
    holds owners' personal data and is kept only while staff may need to look at it. Mail still
    waiting to be processed is kept whatever its age."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.RECEIVED_MAIL_KEEP_DAYS)
    deleted, _by_model = ReceivedMail.objects.filter(received_at__lt=cutoff).exclude(status=ReceivedMailStatus.RECEIVED).delete()
    MailFlood.objects.filter(hour__lt=cutoff).delete()
    return deleted
