"""The e-mail outbox: claim queued e-mail deliveries, send outside the transaction, record.

Claim: one short UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING the
facts to render, so two workers never get the same row. Each claim increments `attempts`, which
then fences every later write for that claim (`status = 'sending' AND attempts = <claimed>`).

At most once: right before the message is handed to SMTP, `send_started_at` is set (fenced). A
worker that dies after that point leaves a row whose mail may have gone out; it is never
retried but marked failed ("outcome unknown") by `deliveries_release_stuck`. A row stuck before
that point certainly was not sent and is queued again. So an e-mail is never sent twice; the
price is that a crash may lose one mail (the one in the SMTP call), visible as a failed delivery
with its reason.

One statement per mail: the success of the mail SMTP just took is recorded by the same statement
that fences the next one (`_FENCE_SQL`: delivered, its attempt row and its notice, then the next
`send_started_at`), one round trip and one commit; the last of a batch is recorded on its own.
Recording a whole batch at its end was cheaper still, but a worker killed mid-batch then left up
to BATCH_SIZE mails that did go out as "outcome unknown"; now a kill leaves at most one mail per
process in doubt: the one SMTP took (or was taking) since the last statement. The SMTP connection
lives for the whole run (`deliveries_send_due`), not one batch. Over SMTP the fence's commit
runs while a helper thread renders the mail and sends its envelope; the message itself goes
only after the fence held (notifications.services.outbox_smtp).

Errors: a transient error (connection, timeout, SMTP 4xx, at RCPT too) re-queues the row with exponential
backoff (BACKOFF_BASE · 2^(attempts−1), capped); after MAX_ATTEMPTS it fails. A permanent one
(recipient refused, SMTP 5xx, template error) fails at once. A recipient who has no address
any more, withdrew consent since, or whose address bounced (undeliverable) is cancelled instead
of mailed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Min
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from dealers.services.queueing import task_publish_once_later
from notifications.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    MailAddressState,
    Notice,
)
from notifications.selectors.pacing import backlog_summary, mail_backlog
from notifications.services.deliveries import DELIVERY_TABLE, inbox_deliver_due
from notifications.services.eligibility import NOTICE_TABLE, consent_ok_sql
from notifications.services.notice_mail import NoticeEmail, notice_email
from notifications.services.outbox_smtp import SmtpOverlap
from notifications.services.pacing import (
    domain_group,
    pace_defer,
    pace_due,
    pace_paused_until,
    pace_recovered,
    pace_take,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
STUCK_AFTER = dt.timedelta(minutes=10)
BATCH_SIZE = 50
UNDELIVERABLE = "address undeliverable (bounced)"
DEFERRED = "deferred"  # the provider answered 421/4xx: its domain group pauses
ADDRESS_STATE_TABLE = MailAddressState._meta.db_table
ATTEMPT_TABLE = DeliveryAttempt._meta.db_table
# Beat runs the outbox once a minute, but a group's bucket holds only pacing.BUCKET_SECONDS of
# mail: a run that held rows back for their pace asks for a follow-up run when the first of them
# is due (no sooner than FOLLOW_UP_MIN, to gather some tokens), so a backlog drains at the
# configured rate instead of one bucket a minute. Rows due FOLLOW_UP_WITHIN or later (a group
# paused after a 421) are left to beat.
FOLLOW_UP_MIN = dt.timedelta(seconds=2)
FOLLOW_UP_WITHIN = dt.timedelta(seconds=60)


class PermanentSendError(Exception):
    """The message cannot be sent as it is; retrying will not help."""


@dataclass
class OutboxResult:
    inbox_delivered: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    paced: int = 0  # claimed but held back for their domain group's pace (no attempt used)
    follow_up_in: float | None = None  # seconds until the follow-up run asked for, if any


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    attempts: int
    notice: Notice
    email: str
    allowed: bool
    sender: dict[str, str] | None = None  # the company's block for the law's footer
    undeliverable: bool = False  # the address bounced (notifications.services.bounces)


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
          {consent_ok_sql("n.category", "n.customer_id")},
          EXISTS (SELECT 1 FROM {ADDRESS_STATE_TABLE} ms WHERE ms.customer_id = n.customer_id AND ms.email = cu.email
                  AND ms.undeliverable_since IS NOT NULL),
          co.name, co.postal_address, co.phone, co.complaints_contact
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def deliveries_claim(*, limit: int = BATCH_SIZE, now: dt.datetime | None = None) -> list[Claimed]:
    """Claim up to `limit` due e-mail deliveries (committed at once, in its own transaction)."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, {"now": now, "limit": limit})
        rows = cursor.fetchall()
    claimed = []
    for (delivery_id, attempts, notice_id, company_id, vehicle_id, customer_id, kind, stage, category, event_date,
         send_on, source_id, language, reply_token, context, email, allowed, undeliverable, *company) in rows:
        notice = Notice(
            id=notice_id, company_id=company_id, vehicle_id=vehicle_id, customer_id=customer_id, kind=kind, stage=stage,
            category=category, event_date=event_date, send_on=send_on, source_id=source_id, language=language,
            # Django leaves jsonb undecoded on raw cursors (JSONField decodes it on model reads).
            reply_token=reply_token, context=json.loads(context) if isinstance(context, str) else (context or {}),
        )
        sender = dict(zip(("name", "postal_address", "phone", "complaints_contact"), company, strict=True))
        claimed.append(Claimed(delivery_id, attempts, notice, email, allowed, sender, undeliverable))
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


def _smtp_code(exc: Exception) -> int | None:
    """The server's answer to a refused mail: refused recipients count by their worst code (a 4xx
    at RCPT, e.g. greylisting or a carrier's 421, is a deferral like any other 4xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _answer in exc.recipients.values()]
        return max(codes) if codes else None
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None


def _is_transient(exc: Exception) -> bool:
    code = _smtp_code(exc)
    if code is not None:
        return 400 <= code < 500
    return isinstance(exc, smtplib.SMTPException | OSError)


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# Record the previous success (if any: `done_id`) and fence the next claim (if any: `next_id`) in
# one statement; RETURNING says whether the fence held (the claim is still ours, never started).
_FENCE_SQL = f"""
WITH done AS (
    UPDATE {DELIVERY_TABLE} d SET status = 'delivered', delivered_at = %(done_at)s::timestamptz, last_error = ''
    WHERE d.id = %(done_id)s::bigint AND d.status = 'sending' AND d.attempts = %(done_attempts)s::int
    RETURNING d.id, d.notice_id
), logged AS (
    INSERT INTO {ATTEMPT_TABLE} (delivery_id, at, ok, error) SELECT id, %(done_at)s::timestamptz, true, '' FROM done
), shown AS (
    UPDATE {NOTICE_TABLE} n SET status = 'sent' FROM done WHERE n.id = done.notice_id AND n.status = 'queued'
)
UPDATE {DELIVERY_TABLE} d SET send_started_at = %(now)s::timestamptz
WHERE d.id = %(next_id)s::bigint AND d.status = 'sending' AND d.attempts = %(next_attempts)s::int
  AND d.send_started_at IS NULL
RETURNING d.id
"""  # noqa: S608 - table names from model metadata; values are parameters


def _record_and_fence(sent: list[tuple[Claimed, dt.datetime]], claim: Claimed | None) -> bool:
    """One statement (autocommit): the mail SMTP took last (`sent`, at most one) recorded as
    delivered, and `claim` fenced before its SMTP call. True when the fence held; `sent` is emptied."""
    done, done_at = sent[-1] if sent else (None, None)
    with connection.cursor() as cursor:
        cursor.execute(_FENCE_SQL, {
            "done_id": done.delivery_id if done else None, "done_attempts": done.attempts if done else None,
            "done_at": done_at, "now": timezone.now(),
            "next_id": claim.delivery_id if claim else None, "next_attempts": claim.attempts if claim else None,
        })
        fenced = cursor.fetchone() is not None
    sent.clear()
    return fenced


def _mark_delivered(sent: list[tuple[Claimed, dt.datetime]]) -> None:
    """Record the mail SMTP took last (the end of a batch: no next mail to fence)."""
    if sent:
        _record_and_fence(sent, None)


@transaction.atomic
def _mark_error(claim: Claimed, now: dt.datetime, error: str, *, transient: bool, not_before: dt.datetime | None = None) -> str:
    if transient and claim.attempts < MAX_ATTEMPTS:
        due = now + backoff(claim.attempts)
        status, fields = DeliveryStatus.QUEUED, {"next_attempt_at": max(due, not_before) if not_before else due}
    else:
        status, fields = DeliveryStatus.FAILED, {}
    if _fenced(claim).update(status=status, last_error=error[:2000], **fields):
        _attempt(claim, now, ok=False, error=error)
    return status


def _cancel(claim: Claimed, reason: str) -> None:
    _fenced(claim).update(status=DeliveryStatus.CANCELLED, last_error=reason)


def _provider_deferral(exc: Exception) -> bool:
    """421 / 4xx from the receiving side: the provider asks us to slow down (pace the group)."""
    code = _smtp_code(exc)
    return code is not None and 400 <= code < 500


def _send_one(claim: Claimed, mail_connection, result: OutboxResult, sent: list[tuple[Claimed, dt.datetime]],
              overlap: SmtpOverlap | None = None) -> str:
    """Send one claimed delivery; returns its outcome (DEFERRED: the provider answered 4xx). The
    mail SMTP took before (`sent`) is recorded by this one's fence; this one, if SMTP takes it, is
    left in `sent` for the next fence or the batch's end (`_mark_delivered`). Over SMTP the
    fence's commit overlaps the mail's rendering and envelope (`_send_overlapped`)."""
    if _needs_no_send(claim):
        _cancel(claim, "no address" if not claim.email else "consent withdrawn" if not claim.allowed else UNDELIVERABLE)
        result.cancelled += 1
        return DeliveryStatus.CANCELLED
    if overlap is not None and overlap.ready():
        return _send_overlapped(claim, overlap, result, sent)
    try:
        message = _message(claim, mail_connection)
    except PermanentSendError as exc:
        _mark_error(claim, timezone.now(), str(exc), transient=False)
        result.failed += 1
        return DeliveryStatus.FAILED
    # The fence before SMTP: from here on the mail may leave, so it is never retried.
    if not _record_and_fence(sent, claim):
        return ""  # released as stuck and re-claimed elsewhere: not ours any more
    try:
        message.send()
    except Exception as exc:  # every failure is recorded on the row, transient or not
        return _send_failed(claim, exc, mail_connection, result)
    sent.append((claim, timezone.now()))
    result.delivered += 1
    return DeliveryStatus.DELIVERED


def _send_overlapped(claim: Claimed, overlap: SmtpOverlap, result: OutboxResult, sent: list[tuple[Claimed, dt.datetime]]) -> str:
    """The same steps over SMTP, the fence committing while the helper thread renders the mail and
    sends MAIL FROM / RCPT TO; DATA only once the fence held (notifications.services.outbox_smtp)."""
    begun = overlap.begin(lambda: _message(claim, overlap.backend))
    try:
        fenced = _record_and_fence(sent, claim)
    except BaseException:
        overlap.abandon(begun)
        raise
    if not fenced:
        overlap.abandon(begun)
        return ""  # released as stuck and re-claimed elsewhere: not ours any more
    try:
        overlap.finish(begun.result())
    except PermanentSendError as exc:
        _mark_error(claim, timezone.now(), str(exc), transient=False)
        result.failed += 1
        return DeliveryStatus.FAILED
    except Exception as exc:  # every failure is recorded on the row, transient or not
        return _send_failed(claim, exc, overlap.backend, result)
    sent.append((claim, timezone.now()))
    result.delivered += 1
    return DeliveryStatus.DELIVERED


def _send_failed(claim: Claimed, exc: Exception, mail_connection, result: OutboxResult) -> str:
    mail_connection.close()  # a 421 or a dropped line leaves the session unusable: the next send reconnects
    transient = _is_transient(exc)
    logger.warning("e-mail delivery %s failed (%s): %s", claim.delivery_id, "transient" if transient else "permanent", exc)
    now = timezone.now()
    paused_until = pace_defer(domain_group(claim.email), error=str(exc), now=now) if _provider_deferral(exc) else None
    status = _mark_error(claim, now, f"{type(exc).__name__}: {exc}", transient=transient, not_before=paused_until)
    if status == DeliveryStatus.QUEUED:
        result.retrying += 1
    else:
        result.failed += 1
    return DEFERRED if paused_until else status


def _needs_no_send(claim: Claimed) -> bool:
    return not claim.email or not claim.allowed or claim.undeliverable


_RELEASE_SQL = f"""
UPDATE {DELIVERY_TABLE} d SET status = 'queued', attempts = d.attempts - 1, next_attempt_at = v.due, claimed_at = NULL
FROM unnest(%(ids)s::bigint[], %(attempts)s::int[], %(dues)s::timestamptz[]) AS v(id, attempts, due)
WHERE d.id = v.id AND d.status = 'sending' AND d.attempts = v.attempts AND d.send_started_at IS NULL
"""  # noqa: S608 - table name from model metadata; values are parameters


def deliveries_release_paced(claims: list[Claimed], group: str, *, now: dt.datetime) -> int:
    """Claims held back by the group's pace go back to the queue without using an attempt, due
    one token apart from when the group may send again."""
    paused_until = pace_paused_until(group, now=now)
    dues = [pace_due(group, position, now=now, paused_until=paused_until) for position in range(1, len(claims) + 1)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_RELEASE_SQL, {"ids": [c.delivery_id for c in claims], "attempts": [c.attempts for c in claims],
                                      "dues": dues})
        return cursor.rowcount


def _paced(claimed: list[Claimed], now: dt.datetime, result: OutboxResult) -> list[Claimed]:
    """The claims the groups' buckets let go now (and those that need no send); the rest released."""
    by_group: dict[str, list[Claimed]] = defaultdict(list)
    keep = []
    for claim in claimed:
        if _needs_no_send(claim):
            keep.append(claim)
        else:
            by_group[domain_group(claim.email)].append(claim)
    granted = pace_take({group: len(claims) for group, claims in by_group.items()}, now=now) if by_group else {}
    for group, claims in by_group.items():
        keep += claims[: granted[group]]
        if claims[granted[group]:]:
            result.paced += deliveries_release_paced(claims[granted[group]:], group, now=now)
    return sorted(keep, key=lambda c: c.delivery_id)


def _send_batch(claimed: list[Claimed], mail_connection, result: OutboxResult, overlap: SmtpOverlap | None = None) -> None:
    """Send the batch; after a 4xx deferral the rest of that group's claims wait for its pause."""
    paused: dict[str, list[Claimed]] = defaultdict(list)
    sent_groups = set()
    sent: list[tuple[Claimed, dt.datetime]] = []
    try:
        for claim in claimed:
            group = domain_group(claim.email)
            if group in paused:
                paused[group].append(claim)
                continue
            outcome = _send_one(claim, mail_connection, result, sent, overlap)
            if outcome == DEFERRED:
                paused[group] = []
            elif outcome == DeliveryStatus.DELIVERED:
                sent_groups.add(group)
    finally:
        _mark_delivered(sent)  # what SMTP took is recorded even if a later step raised
    for group, held in paused.items():
        if held:
            result.paced += deliveries_release_paced(held, group, now=timezone.now())
    pace_recovered(sent_groups - set(paused))


def deliveries_send_due(*, batch_size: int = BATCH_SIZE, max_batches: int = 100, now: dt.datetime | None = None) -> OutboxResult:
    """Deliver the due inbox rows (navi/app, one UPDATE), then send the due e-mail deliveries
    batch by batch, at each domain group's pace, until none is due (or max_batches)."""
    result = OutboxResult()
    with transaction.atomic():
        result.inbox_delivered = inbox_deliver_due(now=now or timezone.now())
    mail_connection = get_connection()  # one SMTP session for the whole run, not one per batch
    overlap = SmtpOverlap.for_backend(mail_connection)
    try:
        for _batch in range(max_batches):
            claimed = deliveries_claim(limit=batch_size, now=now)
            if not claimed:
                break
            claimed = _paced(claimed, now or timezone.now(), result)
            if not claimed:
                break  # every group is out of tokens or paused: the next run goes on
            try:
                mail_connection.open()  # a no-op while the session is up; reconnects after an error closed it
            except (smtplib.SMTPException, OSError) as exc:
                # Nothing was handed to SMTP: every claimed row is retried later.
                for claim in claimed:
                    _mark_error(claim, timezone.now(), f"connect: {exc}", transient=True)
                result.retrying += len(claimed)
                break
            _send_batch(claimed, mail_connection, result, overlap)
    finally:
        if overlap is not None:
            overlap.close()
        mail_connection.close()
    if result.delivered or result.paced:
        _log_backlog(result)
    if result.paced:
        result.follow_up_in = _follow_up(now or timezone.now())
    return result


def _follow_up(now: dt.datetime) -> float | None:
    """Ask for the next run when the first held-back row is due, if that is sooner than beat."""
    first_due = (Delivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.QUEUED)
                 .aggregate(first=Min("next_attempt_at"))["first"])
    if first_due is None or first_due - now >= FOLLOW_UP_WITHIN:
        return None
    wait = max(first_due - now, FOLLOW_UP_MIN).total_seconds()
    task_publish_once_later("notifications.tasks.send_due_deliveries", wait)
    return wait


def _log_backlog(result: OutboxResult) -> None:
    backlogs = mail_backlog()
    logger.info("outbox: %d sent, %d held back by pacing; backlog %s", result.delivered, result.paced, backlog_summary(backlogs))
    window = dt.timedelta(hours=settings.MAIL_DRAIN_WINDOW_HOURS)
    for backlog in backlogs:
        if backlog.drain_time > window:
            logger.warning("outbox: the %s backlog (%d) needs %s at its pace, longer than the %s drain window",
                           backlog.group, backlog.waiting, backlog.drain_time, window)


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
