"""The e-mail outbox: claim queued e-mail deliveries, send outside the transaction, record.

Claim: one short UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING the
facts to render, so two workers never get the same row. Each claim increments `attempts`, which
then fences every later write for that claim (`status = 'sending' AND attempts = <claimed>`).

At most once: right before the message is handed to SMTP, `send_started_at` is set (fenced). A
worker that dies after that point leaves a row whose mail may have gone out; it is never
retried but marked failed ("outcome unknown") by `deliveries_release_stuck`. A row stuck before
that point certainly was not sent and is queued again. So an e-mail is never sent twice; the
price is that a crash in the few milliseconds of the SMTP call may lose one mail, visible as a
failed delivery with its reason.

Errors: a transient error (connection, timeout, SMTP 4xx) re-queues the row with exponential
backoff (BACKOFF_BASE · 2^(attempts−1), capped); after MAX_ATTEMPTS it fails. A permanent one
(recipient refused, SMTP 5xx, template error) fails at once. A recipient who has no address
any more, or withdrew consent since, is cancelled instead of mailed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
from dataclasses import dataclass

from django.core.mail import get_connection
from django.db import connection, transaction
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from notifications.models import Delivery, DeliveryAttempt, DeliveryStatus, Notice, NoticeStatus
from notifications.services.deliveries import DELIVERY_TABLE, inbox_deliver_due
from notifications.services.eligibility import NOTICE_TABLE, consent_ok_sql
from notifications.services.notice_mail import NoticeEmail, notice_email

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
STUCK_AFTER = dt.timedelta(minutes=10)
BATCH_SIZE = 50


class PermanentSendError(Exception):
    """The message cannot be sent as it is; retrying will not help."""


@dataclass
class OutboxResult:
    inbox_delivered: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    attempts: int
    notice: Notice
    email: str
    allowed: bool
    sender: dict[str, str] | None = None  # the company's block for the law's footer


# The locked ids are MATERIALIZED once: as `IN (SELECT … LIMIT n SKIP LOCKED)` the planner may
# re-run the subquery (e.g. inside a nested loop) and, skipping the rows it just locked, pick
# more than n rows.
_CLAIM_SQL = f"""
WITH picked AS MATERIALIZED (
    SELECT id FROM {DELIVERY_TABLE}
    WHERE status = 'queued' AND channel = 'email' AND next_attempt_at <= %(now)s
    ORDER BY next_attempt_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
)
UPDATE {DELIVERY_TABLE} d SET status = 'sending', claimed_at = %(now)s, send_started_at = NULL, attempts = d.attempts + 1
FROM picked, {NOTICE_TABLE} n LEFT JOIN vehicles_customer cu ON cu.id = n.customer_id
JOIN dealers_dealercompany co ON co.id = n.company_id
WHERE d.id = picked.id AND n.id = d.notice_id
RETURNING d.id, d.attempts, n.id, n.company_id, n.vehicle_id, n.customer_id, n.kind, n.stage, n.category, n.event_date,
          n.send_on, n.source_id, n.language, n.reply_token, n.context, COALESCE(cu.email, ''),
          {consent_ok_sql("n.category", "n.customer_id")}, co.name, co.postal_address, co.phone, co.complaints_contact
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def deliveries_claim(*, limit: int = BATCH_SIZE, now: dt.datetime | None = None) -> list[Claimed]:
    """Claim up to `limit` due e-mail deliveries (committed at once, in its own transaction)."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, {"now": now, "limit": limit})
        rows = cursor.fetchall()
    claimed = []
    for (delivery_id, attempts, notice_id, company_id, vehicle_id, customer_id, kind, stage, category, event_date,
         send_on, source_id, language, reply_token, context, email, allowed, *company) in rows:
        notice = Notice(
            id=notice_id, company_id=company_id, vehicle_id=vehicle_id, customer_id=customer_id, kind=kind, stage=stage,
            category=category, event_date=event_date, send_on=send_on, source_id=source_id, language=language,
            # Django leaves jsonb undecoded on raw cursors (JSONField decodes it on model reads).
            reply_token=reply_token, context=json.loads(context) if isinstance(context, str) else (context or {}),
        )
        sender = dict(zip(("name", "postal_address", "phone", "complaints_contact"), company, strict=True))
        claimed.append(Claimed(delivery_id, attempts, notice, email, allowed, sender))
    return sorted(claimed, key=lambda c: c.delivery_id)


def _fenced(claim: Claimed):
    return Delivery.objects.filter(pk=claim.delivery_id, status=DeliveryStatus.SENDING, attempts=claim.attempts)


def _attempt(claim: Claimed, now: dt.datetime, *, ok: bool, error: str = "") -> None:
    DeliveryAttempt.objects.create(delivery_id=claim.delivery_id, at=now, ok=ok, error=error[:2000])


def _message(claim: Claimed, mail_connection) -> NoticeEmail:
    try:
        return notice_email(
            delivery_id=claim.delivery_id, notice=claim.notice, email=claim.email, sender=claim.sender, connection=mail_connection
        )
    except (TemplateDoesNotExist, TemplateSyntaxError, KeyError, ValueError) as exc:
        raise PermanentSendError(f"render: {exc}") from exc


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPException | OSError)


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


@transaction.atomic
def _mark_delivered(claim: Claimed, now: dt.datetime) -> None:
    if _fenced(claim).update(status=DeliveryStatus.DELIVERED, delivered_at=now, last_error=""):
        _attempt(claim, now, ok=True)
        Notice.objects.filter(pk=claim.notice.pk, status=NoticeStatus.QUEUED).update(status=NoticeStatus.SENT)


@transaction.atomic
def _mark_error(claim: Claimed, now: dt.datetime, error: str, *, transient: bool) -> str:
    if transient and claim.attempts < MAX_ATTEMPTS:
        status, fields = DeliveryStatus.QUEUED, {"next_attempt_at": now + backoff(claim.attempts)}
    else:
        status, fields = DeliveryStatus.FAILED, {}
    if _fenced(claim).update(status=status, last_error=error[:2000], **fields):
        _attempt(claim, now, ok=False, error=error)
    return status


def _cancel(claim: Claimed, reason: str) -> None:
    _fenced(claim).update(status=DeliveryStatus.CANCELLED, last_error=reason)


def _send_one(claim: Claimed, mail_connection, result: OutboxResult) -> None:
    if not claim.email or not claim.allowed:
        _cancel(claim, "no address" if not claim.email else "consent withdrawn")
        result.cancelled += 1
        return
    try:
        message = _message(claim, mail_connection)
    except PermanentSendError as exc:
        _mark_error(claim, timezone.now(), str(exc), transient=False)
        result.failed += 1
        return
    # The fence before SMTP: from here on the mail may leave, so it is never retried.
    if not _fenced(claim).filter(send_started_at__isnull=True).update(send_started_at=timezone.now()):
        return  # released as stuck and re-claimed elsewhere: not ours any more
    try:
        message.send()
    except Exception as exc:  # every failure is recorded on the row, transient or not
        transient = _is_transient(exc)
        logger.warning("e-mail delivery %s failed (%s): %s", claim.delivery_id, "transient" if transient else "permanent", exc)
        status = _mark_error(claim, timezone.now(), f"{type(exc).__name__}: {exc}", transient=transient)
        if status == DeliveryStatus.QUEUED:
            result.retrying += 1
        else:
            result.failed += 1
        return
    _mark_delivered(claim, timezone.now())
    result.delivered += 1


def deliveries_send_due(*, batch_size: int = BATCH_SIZE, max_batches: int = 100, now: dt.datetime | None = None) -> OutboxResult:
    """Deliver the due inbox rows (navi/app, one UPDATE), then send the due e-mail deliveries
    batch by batch until none is due (or max_batches)."""
    result = OutboxResult()
    with transaction.atomic():
        result.inbox_delivered = inbox_deliver_due(now=now or timezone.now())
    for _batch in range(max_batches):
        claimed = deliveries_claim(limit=batch_size, now=now)
        if not claimed:
            break
        mail_connection = get_connection()
        try:
            mail_connection.open()
        except (smtplib.SMTPException, OSError) as exc:
            # Nothing was handed to SMTP: every claimed row is retried later.
            for claim in claimed:
                _mark_error(claim, timezone.now(), f"connect: {exc}", transient=True)
            result.retrying += len(claimed)
            break
        try:
            for claim in claimed:
                _send_one(claim, mail_connection, result)
        finally:
            mail_connection.close()
    return result


@transaction.atomic
def deliveries_release_stuck(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Rows left 'sending' by a dead worker: re-queue those never handed to SMTP, fail the others
    (their mail may have gone out: at most once). Returns (requeued, failed)."""
    now = now or timezone.now()
    stuck = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STUCK_AFTER)
    requeued = stuck.filter(send_started_at__isnull=True).update(status=DeliveryStatus.QUEUED, next_attempt_at=now)
    failed = stuck.filter(send_started_at__isnull=False).update(
        status=DeliveryStatus.FAILED, last_error="outcome unknown: the worker stopped while sending (not retried)"
    )
    return requeued, failed
