"""Feedback-loop complaints (ARF, issue 15 §2): a recipient who marks our mail as spam has
refused that mail's category, at once, recorded like any other refusal.

`complaint_record` finds the delivery through what the report quotes, and only through our own
signed values (the Message-ID and envelope sender, notifications.services.verp): a report can
name no delivery it has not seen. Then, in one transaction: the MailComplaint row (once per
report and delivery); the consent of the mail's category withdrawn with a ConsentRecord and an
audit entry (vehicles.services.consent), and the owner's pending mail of that category
cancelled (notifications.services.optout). Safety and transactional mail cannot be refused:
the complaint is stored and nothing is withdrawn.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from notifications.models import Delivery, MailComplaint
from notifications.parsing.complaints import Complaint
from notifications.services.optout import notices_cancel_refused
from notifications.services.render import REFUSABLE_CATEGORIES
from notifications.services.verp import delivery_for_bounce_address, delivery_for_message_id
from vehicles.services.consent import consent_set

logger = logging.getLogger(__name__)
COMPLAINT_SOURCE = "feedback report (spam complaint)"


def complaint_delivery_id(complaint: Complaint) -> int | None:
    """The delivery the report quotes, verified by our signature; None when it names none."""
    for value in complaint.message_ids:
        if (found := delivery_for_message_id(value)) is not None:
            return found
    for address in complaint.mail_from:
        if (found := delivery_for_bounce_address(address)) is not None:
            return found
    return None


@transaction.atomic
def complaint_record(*, complaint: Complaint, fingerprint: str, now: dt.datetime | None = None) -> MailComplaint | None:
    """Record a parsed complaint and withdraw the consent it means (see the module docstring)."""
    now = now or timezone.now()
    delivery_id = complaint_delivery_id(complaint)
    delivery = (
        Delivery.objects.select_related("notice__customer").filter(pk=delivery_id).first() if delivery_id else None
    )
    if delivery is None:
        logger.warning("feedback report names none of our deliveries: ignored")
        return None
    notice, customer = delivery.notice, delivery.notice.customer
    refusable = notice.category in REFUSABLE_CATEGORIES and customer is not None
    row, created = MailComplaint.objects.get_or_create(
        dedupe_key=f"{delivery.pk}:{fingerprint}",
        defaults={"delivery": delivery, "feedback_type": complaint.feedback_type[:40], "reporter": complaint.user_agent[:300],
                  "withdrawn_category": notice.category if refusable else "", "received_at": now},
    )
    if not created:
        return None
    if refusable and customer is not None:
        consent_set(customer=customer, category=notice.category, granted=False, source=COMPLAINT_SOURCE,
                    evidence=f"{complaint.feedback_type} report by {complaint.user_agent or 'unknown'} on delivery {delivery.pk}")
        notices_cancel_refused(customer_id=customer.pk, category=notice.category)
    logger.info("complaint on delivery %s (%s): %s", delivery.pk, complaint.feedback_type,
                f"{notice.category} withdrawn" if refusable else "nothing to withdraw")
    return row
