"""Inquiries: questions (and "please propose a time") for the store, answered by its staff
within business hours; the answer reaches the owner as an `inquiry_answer` notice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import Store, User
from dealers.selectors.calendar import BUSINESS_TZ, StoreCalendar
from dealers.services.audit import audit_record
from notifications.models import Inquiry, InquiryStatus, NoticeKind, Reply
from notifications.services.owner_notices import notice_due, owner_notice_send
from vehicles.selectors.capacity import open_window
from vehicles.services.appointments import proposed_times_check

# An inquiry seen with less than this left of the business day is due at the next day's close.
ANSWER_MARGIN = dt.timedelta(hours=2)


def _closing_of(calendar: StoreCalendar, opening: dt.datetime) -> dt.datetime:
    local = opening.astimezone(BUSINESS_TZ)
    for day in (local.date() - dt.timedelta(days=1), local.date()):
        hours = calendar.hours_on(day)
        if hours is not None:
            start, end = open_window(day, hours)
            if start <= local < end:
                return end
    return local + dt.timedelta(days=1)


def inquiry_due_at(calendar: StoreCalendar, received_at: dt.datetime) -> dt.datetime:
    """The close of the business day the store first sees it (its next opening when closed);
    the next business day's close when less than ANSWER_MARGIN of that day is left."""
    seen = calendar.next_opening(received_at)
    if seen is None:  # no opening within a year: the store has no calendar to speak of
        return received_at + dt.timedelta(days=1)
    close = _closing_of(calendar, seen)
    if close - seen < ANSWER_MARGIN:
        following = calendar.next_opening(close)
        if following is not None:
            close = _closing_of(calendar, following)
    return close


def inquiry_open(
    *, reply: Reply, store: Store, kind: str, question: str, calendar: StoreCalendar,
    alternatives: Sequence[dt.datetime] = (),
) -> Inquiry:
    inquiry = Inquiry.objects.create(
        company_id=store.company_id, store=store, vehicle_id=reply.vehicle_id, notice_id=reply.notice_id,
        customer_id=reply.vehicle.customer_id, kind=kind, question=question,
        alternatives=[at.astimezone(BUSINESS_TZ).isoformat() for at in alternatives], due_at=inquiry_due_at(calendar, reply.received_at),
        created_at=reply.received_at,
    )
    audit_record(action="inquiry.open", target=inquiry, actor=None, company=store.company_id, kind=kind, reply_id=reply.pk)
    return inquiry


@transaction.atomic
def inquiry_answer(
    *, inquiry: Inquiry, answer: str, actor: User | None, proposed_times: Sequence[dt.datetime] = ()
) -> Inquiry:
    """Staff answer (and may offer up to three free slots); the owner gets the answer notice."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write an answer.")})
    times = proposed_times_check(store=inquiry.store, times=proposed_times) if proposed_times else []
    now = timezone.now()
    updated = Inquiry.objects.filter(pk=inquiry.pk, status=InquiryStatus.OPEN).update(
        status=InquiryStatus.ANSWERED, answer=answer, proposed_times=[t.astimezone(BUSINESS_TZ).isoformat() for t in times],
        answered_by=actor, answered_at=now,
    )
    if not updated:
        raise ValidationError(_("This inquiry has already been answered or closed."))
    inquiry.refresh_from_db()
    due = notice_due(inquiry.notice)
    owner_notice_send(
        vehicle=inquiry.vehicle, store=inquiry.store, kind=NoticeKind.INQUIRY_ANSWER, stage="answered",
        dedupe_key=f"inquiry:{inquiry.pk}:answered", source_id=inquiry.pk, due=due,
        context={
            "question": inquiry.question, "answer": answer, "proposed_times": inquiry.proposed_times,
            "inquiry_kind": inquiry.kind,
        },
    )
    audit_record(action="inquiry.answer", target=inquiry, actor=actor, company=inquiry.company_id, proposed=len(times))
    return inquiry


@transaction.atomic
def inquiry_close(*, inquiry: Inquiry, actor: User | None) -> Inquiry:
    """Close without an answer to send (e.g. settled by phone)."""
    if not Inquiry.objects.filter(pk=inquiry.pk).exclude(status=InquiryStatus.CLOSED).update(status=InquiryStatus.CLOSED):
        raise ValidationError(_("This inquiry is already closed."))
    inquiry.refresh_from_db()
    audit_record(action="inquiry.close", target=inquiry, actor=actor, company=inquiry.company_id)
    return inquiry

