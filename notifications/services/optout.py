"""Honouring a refusal at once: record it and stop what is still waiting to go out (§5)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from dealers.services.audit import audit_record
from notifications.models import Delivery, DeliveryStatus, Notice, NoticeStatus
from vehicles.models import CustomerConsent
from vehicles.services.consent import consent_opt_out_by_token

_PENDING = [DeliveryStatus.WAITING, DeliveryStatus.QUEUED]
# Once a copy is being sent or has arrived, the notice itself stays (the inbox shows it).
_UNDERWAY = [DeliveryStatus.SENDING, DeliveryStatus.DELIVERED, DeliveryStatus.READ]
CANCEL_REASON = "consent_refused"


def notices_cancel_refused(*, customer_id: int, category: str) -> int:
    """Cancel the customer's pending deliveries of `category` and the notices left with none.

    Set-based; the outbox re-checks consent as well, this just keeps queues honest.
    Returns the number of deliveries cancelled.
    """
    notices = Notice.objects.filter(customer_id=customer_id, category=category)
    # A notice already in the app inbox ("sent") may still have a navi or e-mail copy pending.
    cancelled = Delivery.objects.filter(notice__in=notices, status__in=_PENDING).update(
        status=DeliveryStatus.CANCELLED, last_error=CANCEL_REASON
    )
    underway = Delivery.objects.filter(notice_id=OuterRef("pk"), status__in=_UNDERWAY)
    notices.filter(~Exists(underway), status=NoticeStatus.QUEUED).update(
        status=NoticeStatus.CANCELLED, cancelled_at=timezone.now(), cancel_reason=CANCEL_REASON
    )
    return cancelled


@transaction.atomic
def optout_by_token(*, token: str, evidence: str) -> CustomerConsent:
    """One-click refusal: consent off + ConsentRecord + audit (vehicles.services.consent), and
    pending mail of that category cancelled, in one transaction. ValidationError on a bad token."""
    consent = consent_opt_out_by_token(token, evidence=evidence)
    cancelled = notices_cancel_refused(customer_id=consent.customer_id, category=consent.category)
    if cancelled:
        audit_record(
            action="notices.cancel_refused", target=consent.customer, actor=None,
            company=consent.customer.company_id, category=consent.category, deliveries=cancelled,
        )
    return consent
