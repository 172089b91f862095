"""Recording what a bounce says about its delivery and its address (issue 15 §1).

`bounce_record` takes a parsed bounce (notifications.parsing.bounces) and the delivery its VERP
address named, and in one transaction, under the delivery's row lock:
1. stores the MailBounce (once per report: a redelivered bounce changes nothing);
2. moves the delivery: a hard bounce fails it; a soft one re-queues it with the outbox's backoff
   while attempts remain (then fails it); only a delivery the outbox had handed over
   (`delivered`) moves, so a late report never undoes a newer outcome;
3. updates the address's state: a hard bounce, or MAIL_SOFT_BOUNCE_LIMIT soft ones in a row,
   make it undeliverable (the outbox cancels its e-mail copies; app and navi go on). "In a row":
   a soft bounce more than SOFT_RUN_GAP after the previous one starts a new run.
A bounce that is no failure (a delay warning, an auto-reply) is logged and not stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.models import BounceKind, Delivery, DeliveryAttempt, DeliveryStatus, MailAddressState, MailBounce
from notifications.parsing.bounces import HARD, NONE, Bounce
from notifications.services.outbox import MAX_ATTEMPTS, backoff

logger = logging.getLogger(__name__)

SOFT_RUN_GAP = dt.timedelta(days=14)


def bounce_fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:40]


def _move_delivery(delivery: Delivery, bounce: Bounce, now: dt.datetime) -> None:
    error = f"bounced ({bounce.kind}): {bounce.status} {bounce.diagnostic}".strip()[:2000]
    DeliveryAttempt.objects.create(delivery=delivery, at=now, ok=False, error=error)
    if delivery.status != DeliveryStatus.DELIVERED:
        return
    if bounce.kind == HARD or delivery.attempts >= MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, last_error=error)
    else:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.QUEUED, last_error=error, next_attempt_at=now + backoff(delivery.attempts),
            send_started_at=None, delivered_at=None,
        )


def _mark_address(delivery: Delivery, bounce: Bounce, now: dt.datetime) -> MailAddressState | None:
    notice = delivery.notice
    customer = notice.customer
    if customer is None or not customer.email:
        return None
    state, _created = MailAddressState.objects.select_for_update().get_or_create(
        customer=customer, email=customer.email,
        defaults={"company_id": notice.company_id, "last_bounce_at": now},
    )
    if bounce.kind == HARD:
        state.soft_bounces_in_row = 0
        state.undeliverable_since = state.undeliverable_since or now
    else:
        fresh_run = state.soft_bounces_in_row == 0 or state.last_bounce_at < now - SOFT_RUN_GAP
        state.soft_bounces_in_row = 1 if fresh_run else state.soft_bounces_in_row + 1
        if state.soft_bounces_in_row >= settings.MAIL_SOFT_BOUNCE_LIMIT:
            state.undeliverable_since = state.undeliverable_since or now
    state.last_bounce_at, state.last_diagnostic = now, f"{bounce.status} {bounce.diagnostic}".strip()[:500]
    state.save()
    return state


@transaction.atomic
def bounce_record(*, delivery_id: int, bounce: Bounce, fingerprint: str, now: dt.datetime | None = None) -> MailBounce | None:
    """Record a parsed bounce for the delivery its VERP address named (steps in the docstring).
    Returns the new row, or None (no failure, unknown delivery, or seen before)."""
    now = now or timezone.now()
    if bounce.kind == NONE:
        logger.info("bounce for delivery %s is no failure (delay warning or auto-reply): ignored", delivery_id)
        return None
    delivery = (
        Delivery.objects.select_for_update(of=("self",)).select_related("notice__customer")
        .filter(pk=delivery_id, channel="email").first()
    )
    if delivery is None:
        logger.warning("bounce for unknown delivery %s ignored", delivery_id)
        return None
    row, created = MailBounce.objects.get_or_create(
        dedupe_key=f"{delivery_id}:{fingerprint}",
        defaults={"delivery": delivery, "kind": BounceKind(bounce.kind), "status": bounce.status[:16],
                  "diagnostic": bounce.diagnostic[:500], "recipient": bounce.recipient[:254], "received_at": now},
    )
    if not created:
        return None
    _move_delivery(delivery, bounce, now)
    state = _mark_address(delivery, bounce, now)
    logger.info("delivery %s bounced (%s %s)%s", delivery_id, bounce.kind, bounce.status,
                "; address now undeliverable" if state and state.undeliverable_since == now else "")
    return row
