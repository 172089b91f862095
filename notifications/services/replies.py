"""Receiving replies (app, navi, e-mail) and processing them into appointments or inquiries.

Receive: one row per reply, deduplicated by `message_id` (unique): the same mail delivered
twice, or the same API call retried with its Idempotency-Key, is stored once. The processing
task is queued after commit. Process (in a Celery worker, `reply_process_task`): lock the row,
skip it unless still "received", act on the intent (notifications.services.reply_outcomes), mark
it processed, all in one transaction, so a redelivered task or a retry after a crash does the
work exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dealers.selectors.calendar import business_date
from dealers.services.audit import audit_record
from dealers.services.queueing import task_queue_on_commit
from notifications.models import Notice, NoticeStatus, Reply, ReplyStatus
from notifications.parsing.intent import reply_intent
from notifications.parsing.mail import InboundMail
from notifications.parsing.when import Reading, bookable, read_when
from notifications.services.reply_outcomes import reply_act
from vehicles.parsing.preferences import Preference

logger = logging.getLogger(__name__)

# A reply still "received" this long after arriving lost its task (broker restart): re-queue.
STUCK_AFTER = dt.timedelta(minutes=5)
MAX_PREFERRED = 3


def notice_repliable(notice: Notice, *, now: dt.datetime | None = None) -> bool:
    """Replies are taken for notices that went out (or are going out) and are not too old."""
    now = now or timezone.now()
    too_old = notice.created_at < now - dt.timedelta(days=settings.REPLY_TOKEN_MAX_AGE_DAYS)
    return notice.status in (NoticeStatus.QUEUED, NoticeStatus.SENT) and not too_old


def notice_for_reply_token(token: str, *, now: dt.datetime | None = None) -> Notice | None:
    """The notice a reply address belongs to, or None when unknown, cancelled or expired."""
    token = (token or "").strip().lower()
    if not token or len(token) > 64:
        return None
    notice = Notice.objects.filter(reply_token=token).select_related("vehicle").first()
    if notice is None or not notice_repliable(notice, now=now):
        return None
    return notice


def _queue(reply_id: int) -> None:
    task_queue_on_commit("notifications.reply_process", reply_id)


@transaction.atomic
def reply_receive(
    *, notice: Notice, channel: str, intent: str, preferred: Sequence[Preference], text: str, message_id: str,
    from_address: str = "", sender_user=None, reading: Sequence[Reading] = (),
) -> tuple[Reply, bool]:
    """Store a reply (once per message_id) and queue its processing after commit."""
    reply, created = Reply.objects.get_or_create(
        message_id=message_id[:255],
        defaults={
            "company_id": notice.company_id, "notice": notice, "vehicle_id": notice.vehicle_id, "channel": channel,
            "intent": intent, "preferred": [p.as_json() for p in preferred[:MAX_PREFERRED]], "text": text,
            "reading": [r.as_json() for r in reading],
            "from_address": from_address[:254], "sender_user": sender_user,
        },
    )
    if created:
        audit_record(action="reply.receive", target=reply, actor=sender_user, company=notice.company_id, channel=channel)
        _queue(reply.pk)  # a lost task is re-queued by replies_requeue_stuck
    return reply, created


def reply_receive_mail(*, token: str, mail: InboundMail) -> Reply | None:
    """Store an e-mail reply to the notice of `token`. The token alone decides the notice (never
    From:). Unknown / expired tokens and empty replies are ignored with a log line."""
    notice = notice_for_reply_token(token)
    if notice is None:
        logger.warning("reply mail %s for unknown or expired token ignored", mail.message_id)
        return None
    if not mail.text.strip():
        logger.info("reply mail %s to notice %s has no new text; ignored", mail.message_id, notice.pk)
        return None
    # An unsure reading is kept for staff and asked about when processed, never booked as read.
    reading = read_when(mail.text, today=business_date())
    reply, created = reply_receive(
        notice=notice, channel="email", intent=reply_intent(mail.text, has_dates=bool(reading)),
        preferred=bookable(reading, limit=MAX_PREFERRED), text=mail.text, message_id=f"email:{token}:{mail.message_id}",
        from_address=mail.from_address, reading=reading,
    )
    if not created:
        logger.info("reply mail %s to notice %s already stored (redelivery)", mail.message_id, notice.pk)
    return reply


def reply_process(*, reply_id: int) -> Reply | None:
    """Process one reply exactly once (see the module docstring)."""
    with transaction.atomic():
        reply = (
            Reply.objects.select_for_update(of=("self",))
            .select_related("notice", "vehicle", "vehicle__store", "vehicle__store__company", "vehicle__customer")
            .filter(pk=reply_id)
            .first()
        )
        if reply is None or reply.status != ReplyStatus.RECEIVED:
            return reply
        if reply.vehicle.store is None:
            return _fail(reply, "the car has no remote-maintenance store to handle the reply")
        reply.outcome = reply_act(reply)
        reply.status, reply.processed_at = ReplyStatus.PROCESSED, timezone.now()
        reply.save(update_fields=["status", "outcome", "processed_at", "preferred", "reading", "appointment", "inquiry"])
        audit_record(action="reply.process", target=reply, actor=None, company=reply.company_id, outcome=reply.outcome)
    return reply


def _fail(reply: Reply, error: str) -> Reply:
    reply.status, reply.error, reply.processed_at = ReplyStatus.FAILED, error[:2000], timezone.now()
    reply.save(update_fields=["status", "error", "processed_at"])
    logger.warning("reply %s failed: %s", reply.pk, error)
    return reply


@transaction.atomic
def reply_mark_failed(*, reply_id: int, error: str) -> int:
    """After the task gave up: the row says why, staff can see it. Only a still-received row."""
    return Reply.objects.filter(pk=reply_id, status=ReplyStatus.RECEIVED).update(
        status=ReplyStatus.FAILED, error=error[:2000], processed_at=timezone.now()
    )


def replies_requeue_stuck(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue processing again for replies whose task was lost; processing is idempotent."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    ids = list(
        Reply.objects.filter(status=ReplyStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("id", flat=True)[:limit]
    )
    for reply_id in ids:
        _queue(reply_id)
    return len(ids)
