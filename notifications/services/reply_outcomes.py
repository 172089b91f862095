"""What a reply does, by intent (called by replies.reply_process inside its transaction):

- book: the preferred times (sent, or parsed from the text) → a requested appointment with
  capacity held, and a "request received" notice; nothing fits → a propose-time inquiry for
  the store and a notice offering up to three free times; no usable date → a propose-time
  inquiry. A car that already has an open appointment for the due event changes it instead.
- change: move the open appointment (the old one stays when nothing fits).
- cancel: cancel the open appointment (a confirmed one gets a calendar cancellation); no open
  appointment → an inquiry, a person reads it.
- ask: an inquiry for the store.
- unsure: a reading the parser is not sure of (「8時」, 「来週」, a weekday that does not match its
  date…) is never booked: the owner is told what was understood and asked to confirm or correct
  (stage "confirm"; for a period, with free times in it), and staff get a propose-time inquiry
  with the reading beside the text. A reply "はい" / "yes" to that question books what was asked.
- a range (「12/1〜12/5」, 「10時〜12時」) is one preference; the booking takes its first free slot.
Every notice to the owner says when the store will answer if it is closed now (seed note 5:
dealer responses only within business hours); a question that arrives while the store is
closed is acknowledged at once with that time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils import timezone

from dealers.models import Store
from dealers.selectors.calendar import BUSINESS_TZ, StoreCalendar, business_date
from dealers.services.audit import audit_record
from notifications.models import Inquiry, InquiryKind, InquiryStatus, NoticeKind, Reply, ReplyIntent, ReplyOutcome
from notifications.parsing.intent import affirmation
from notifications.parsing.when import Reading, bookable, read_when
from notifications.services.appointment_notices import appointment_facts
from notifications.services.inquiries import inquiry_open
from notifications.services.owner_notices import notice_due, owner_notice_send
from vehicles.models import Appointment, WorkType
from vehicles.models.appointments import OPEN_STATES
from vehicles.parsing.preferences import Preference
from vehicles.selectors.appointments import Work, alternatives, appointment_open_for_due, work_for_due
from vehicles.services.appointments import (
    AppointmentExists,
    BookingResult,
    appointment_cancel,
    appointment_change,
    appointment_request,
)
from vehicles.services.capacity import work_type_for_notice

MAX_PREFERRED = 3


@dataclass
class _Context:
    reply: Reply
    store: Store
    calendar: StoreCalendar
    due: dict[str, Any]
    now: dt.datetime

    @property
    def due_kind(self) -> str:
        return self.due.get("kind") or ""

    @property
    def due_date(self) -> dt.date | None:
        value = self.due.get("event_date")
        return dt.date.fromisoformat(value) if value else None

    @property
    def key(self) -> str:
        return f"reply:{self.reply.pk}"

    @cached_property
    def work_type(self) -> WorkType | None:
        """The work a reply to this notice books (issue 14: a shaken notice books shaken)."""
        return work_type_for_notice(self.store.company_id, self.due_kind)

    @property
    def work(self) -> Work:
        # A recall's booking holds the campaign's labour time when its file gave one (issue 14 §1).
        return work_for_due(self.store, self.work_type, vehicle_id=self.reply.vehicle_id, due_kind=self.due_kind,
                            due_event_date=self.due_date)


def reply_act(reply: Reply) -> str:
    """Act on the reply; returns its ReplyOutcome. Sets reply.appointment / inquiry / preferred."""
    store = reply.vehicle.store
    if store is None:  # reply_process checks first; a store removed since is a reason to fail
        raise ValueError("the car has no remote-maintenance store")
    context = _Context(reply, store, StoreCalendar.for_store(store), notice_due(reply.notice), timezone.now())
    handlers: dict[str, Callable[[_Context], str]] = {
        ReplyIntent.BOOK: _book, ReplyIntent.CHANGE: _change, ReplyIntent.CANCEL: _cancel, ReplyIntent.ASK: _ask,
    }
    intent = ReplyIntent.BOOK if _confirmed(context) else reply.intent
    return handlers[intent](context)


def _confirmed(ctx: _Context) -> bool:
    """「はい」 to our "is this right?" question: what we asked about becomes the preference."""
    notice, reply = ctx.reply.notice, ctx.reply
    asked = (notice.context or {}).get("readings") or []
    if notice.stage != "confirm" or not asked or reply.preferred or _readings(ctx) or not affirmation(reply.text):
        return False
    reply.preferred = [Reading.from_json(item).preference.as_json() for item in asked][:MAX_PREFERRED]
    earlier = Reply.objects.filter(pk=notice.source_id or 0).values_list("inquiry_id", flat=True).first()
    if earlier is not None and Inquiry.objects.filter(pk=earlier, status=InquiryStatus.OPEN).update(
        status=InquiryStatus.CLOSED, answered_at=ctx.now
    ):  # the staff's propose-time inquiry is settled by the owner's answer
        audit_record(action="inquiry.settled_by_owner", target=Inquiry(pk=earlier), actor=None,
                     company=reply.company_id, reply=reply.pk)
    return True


def _readings(ctx: _Context) -> list[Reading]:
    reply = ctx.reply
    if reply.reading or reply.preferred:
        return [Reading.from_json(item) for item in reply.reading]
    found = read_when(reply.text, today=business_date(reply.received_at))
    reply.reading = [r.as_json() for r in found]
    return found


def _preferences(ctx: _Context) -> list[Preference]:
    reply = ctx.reply
    if reply.preferred:
        return [Preference.from_json(item) for item in reply.preferred]
    found = bookable(_readings(ctx), limit=MAX_PREFERRED)
    reply.preferred = [p.as_json() for p in found]
    return found


def _unsure(ctx: _Context, current: Appointment | None = None) -> str | None:
    """The question instead of a booking, when the text was read but not surely; None otherwise."""
    readings = _readings(ctx)
    if not readings or all(r.sure for r in readings):
        return None
    period = next((r for r in readings if r.vague and r.start.date), None)
    offered = []
    if period is not None and period.start.date is not None:
        begin = dt.datetime.combine(period.start.date, dt.time(0), BUSINESS_TZ)
        offered = alternatives(ctx.store, max(ctx.now, begin), calendar=ctx.calendar, now=ctx.now, work=ctx.work)
    ctx.reply.inquiry = inquiry_open(
        reply=ctx.reply, store=ctx.store, kind=InquiryKind.PROPOSE_TIME, question=ctx.reply.text,
        calendar=ctx.calendar, alternatives=offered,
    )
    facts = appointment_facts(current) if current is not None else {}
    _notify(ctx, "confirm", readings=[r.as_json() for r in readings], alternatives=_iso(offered), **facts)
    return ReplyOutcome.CONFIRM


def _appointment_ref(ctx: _Context) -> int | None:
    return ((ctx.reply.notice.context or {}).get("appointment") or {}).get("id")


def _open_appointment(ctx: _Context) -> Appointment | None:
    """The appointment the reply is about: its notice's, if still open; else the car's open one
    for the due event."""
    ref = _appointment_ref(ctx)
    if ref is not None:
        found = (
            Appointment.objects.filter(pk=ref, vehicle_id=ctx.reply.vehicle_id, state__in=OPEN_STATES)
            .select_related("store", "vehicle", "customer")
            .first()
        )
        if found is not None:
            return found
    return appointment_open_for_due(vehicle=ctx.reply.vehicle, due_kind=ctx.due_kind, due_event_date=ctx.due_date)


def _notify(ctx: _Context, stage: str, *, kind: str = NoticeKind.APPOINTMENT, **facts: Any) -> None:
    received = ctx.reply.received_at
    closed = not ctx.calendar.is_open_at(received)
    opening = ctx.calendar.next_opening(received) if closed else None
    owner_notice_send(
        vehicle=ctx.reply.vehicle, store=ctx.store, kind=kind, stage=stage, dedupe_key=f"{ctx.key}:{stage}",
        source_id=ctx.reply.pk, due=ctx.due,
        context={
            **facts, "store_closed": closed, "answer_from": opening.astimezone(BUSINESS_TZ).isoformat() if opening else None,
            "reply_text": ctx.reply.text[:500],
        },
    )


def _iso(times) -> list[str]:
    return [at.astimezone(BUSINESS_TZ).isoformat() for at in times]


def _book(ctx: _Context, *, check_open: bool = True) -> str:
    # A reply to an appointment notice is about that appointment; for a reminder, the car's
    # open appointment for the due event is found by appointment_request (AppointmentExists).
    existing = _open_appointment(ctx) if check_open and _appointment_ref(ctx) else None
    if existing is not None:
        return _change(ctx, existing)
    preferred = _preferences(ctx)
    if not preferred:
        return _unsure(ctx) or _needs_time(ctx)
    try:
        result = appointment_request(
            vehicle=ctx.reply.vehicle, store=ctx.store, preferred=preferred, idempotency_key=ctx.key,
            due_kind=ctx.due_kind, due_event_date=ctx.due_date, notice_id=ctx.reply.notice_id, reply_id=ctx.reply.pk,
            note=_booking_note(ctx), calendar=ctx.calendar, work_type=ctx.work_type,
        )
    except AppointmentExists as exc:
        return _change(ctx, exc.appointment)
    return _booked(ctx, result, stage="requested", outcome=ReplyOutcome.REQUESTED)


def _booking_note(ctx: _Context) -> str:
    """The reply's text; a booking from a maintenance notice starts with the items it listed
    (the store sees what the visit is for)."""
    notice = ctx.reply.notice
    items = (notice.context or {}).get("items") if notice is not None and notice.kind == NoticeKind.MAINTENANCE else None
    if not items:
        return ctx.reply.text[:2000]
    names = "、".join(str(item.get("name_ja") or item.get("code")) for item in items)
    return f"整備項目: {names}\n{ctx.reply.text}"[:2000]


def _booked(ctx: _Context, result: BookingResult, *, stage: str, outcome: str) -> str:
    if result.appointment is None:
        return _offer(ctx, result.alternatives)
    ctx.reply.appointment = result.appointment
    _notify(ctx, stage, **appointment_facts(result.appointment))
    return outcome


def _offer(ctx: _Context, offered) -> str:
    """Nothing fits: the store is asked to propose, the owner sees free times to pick from."""
    ctx.reply.inquiry = inquiry_open(
        reply=ctx.reply, store=ctx.store, kind=InquiryKind.PROPOSE_TIME, question=ctx.reply.text,
        calendar=ctx.calendar, alternatives=offered,
    )
    _notify(ctx, "alternatives", alternatives=_iso(offered))
    return ReplyOutcome.ALTERNATIVES


def _needs_time(ctx: _Context, current: Appointment | None = None) -> str:
    offered = alternatives(ctx.store, ctx.now, calendar=ctx.calendar, now=ctx.now, work=ctx.work)
    ctx.reply.inquiry = inquiry_open(
        reply=ctx.reply, store=ctx.store, kind=InquiryKind.PROPOSE_TIME, question=ctx.reply.text,
        calendar=ctx.calendar, alternatives=offered,
    )
    facts = appointment_facts(current) if current is not None else {}
    _notify(ctx, "needs_time", alternatives=_iso(offered), **facts)
    return ReplyOutcome.NEEDS_TIME


def _change(ctx: _Context, appointment: Appointment | None = None) -> str:
    appointment = appointment or _open_appointment(ctx)
    if appointment is None:
        return _book(ctx, check_open=False)
    preferred = _preferences(ctx)
    if not preferred:
        return _unsure(ctx, appointment) or _needs_time(ctx, appointment)
    result = appointment_change(
        appointment=appointment, preferred=preferred, idempotency_key=ctx.key, reply_id=ctx.reply.pk,
        note=ctx.reply.text[:2000],
    )
    return _booked(ctx, result, stage="changed", outcome=ReplyOutcome.CHANGED)


def _cancel(ctx: _Context) -> str:
    appointment = _open_appointment(ctx)
    if appointment is None:
        return _ask(ctx)
    was_confirmed = appointment.confirmed_at is not None
    appointment = appointment_cancel(appointment=appointment, reason="reply", by_owner=True)
    ctx.reply.appointment = appointment
    _notify(ctx, "cancelled", **appointment_facts(appointment, ics=was_confirmed))
    return ReplyOutcome.CANCELLED


def _ask(ctx: _Context) -> str:
    ctx.reply.inquiry = inquiry_open(
        reply=ctx.reply, store=ctx.store, kind=InquiryKind.QUESTION, question=ctx.reply.text, calendar=ctx.calendar
    )
    if not ctx.calendar.is_open_at(ctx.reply.received_at):
        _notify(ctx, "received", kind=NoticeKind.INQUIRY_ANSWER, question=ctx.reply.text)
    return ReplyOutcome.INQUIRY
