"""Staff actions on appointments that the owner must hear about, and what a confirmed
appointment does to the reminders of its due event.

The portal calls these (not the bare vehicles.services.appointments ones) for confirm /
propose / cancel: each runs the appointment change, then tells the owner through the notice
pipeline, in one transaction. Arrive / complete / no-show need no message and stay in vehicles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dealers.models import Store
from dealers.selectors.calendar import BUSINESS_TZ
from notifications.models import Delivery, DeliveryStatus, Notice, NoticeKind, NoticeStatus
from notifications.services.ics import CalendarEvent, calendar_text, mimetype
from notifications.services.owner_notices import due_facts, owner_notice_send
from vehicles.models import Appointment, Vehicle, WorkType
from vehicles.parsing.preferences import Preference
from vehicles.selectors.appointments import appointment_open_for_purpose
from vehicles.services.appointments import (
    AppointmentExists,
    BookingResult,
    appointment_cancel,
    appointment_confirm,
    appointment_move,
    appointment_propose,
    appointment_request,
)

SUPPRESS_REASON = "appointment"


def appointment_facts(appointment: Appointment, *, ics: bool = False, sequence: int | None = None) -> dict[str, Any]:
    """JSON-safe facts for the owner's notice; `ics` adds what the calendar attachment needs."""
    facts: dict[str, Any] = {
        "appointment": {
            "id": appointment.pk, "starts_at": appointment.starts_at.astimezone(BUSINESS_TZ).isoformat(),
            "ends_at": appointment.ends_at.astimezone(BUSINESS_TZ).isoformat(), "state": appointment.state,
            "asked_at": appointment.asked_at.astimezone(BUSINESS_TZ).isoformat() if appointment.asked_at else None,
        }
    }
    if ics:
        cancelled = appointment.state not in ("requested", "confirmed", "arrived", "completed")
        facts["ics"] = {
            "uid": f"appointment-{appointment.pk}@{settings.REPLY_DOMAIN}",
            # Calendars apply the highest sequence: the cancellation must beat the invitation.
            "sequence": sequence if sequence is not None else (1 if cancelled else 0),
            "cancelled": cancelled,
        }
    return facts


def notice_attachments(notice: Notice) -> list[tuple[str, str, str]]:
    """(filename, content, mimetype) to attach to a notice's e-mail copy: the .ics invitation
    (or cancellation) of an appointment. Built from the notice's frozen facts, no query."""
    context = notice.context or {}
    ics, appointment = context.get("ics"), context.get("appointment")
    if notice.kind != NoticeKind.APPOINTMENT or not ics or not appointment:
        return []
    with translation.override(notice.language or settings.LANGUAGE_CODE):
        summary = _("Car service at %(store)s (%(car)s)") % {
            "store": context.get("store_name", ""), "car": context.get("car_name", "")
        }
        description = _("Your car: %(car)s %(plate)s. Store phone: %(phone)s") % {
            "car": context.get("car_name", ""), "plate": context.get("plate", ""), "phone": context.get("store_phone", "")
        }
    event = CalendarEvent(
        uid=ics["uid"], starts_at=dt.datetime.fromisoformat(appointment["starts_at"]),
        ends_at=dt.datetime.fromisoformat(appointment["ends_at"]), summary=summary,
        location=" ".join(filter(None, [context.get("store_name"), context.get("store_address")])),
        description=description, organizer_email=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        organizer_name=context.get("store_name", ""), sequence=int(ics.get("sequence", 0)), cancelled=bool(ics.get("cancelled")),
    )
    stamp = notice.created_at or timezone.now()
    return [("appointment.ics", calendar_text(event, stamp=stamp), mimetype(event))]


def notices_suppress_for_appointment(appointment: Appointment) -> int:
    """Suppress the pending (queued, nothing delivered yet) reminder notices of the due event the
    appointment covers, and cancel their pending deliveries. Set-based; returns notices suppressed.
    Stages the daily run has not created yet are kept out by its appointment EXISTS."""
    if not appointment.due_kind or appointment.due_event_date is None:
        return 0
    notices = Notice.objects.filter(
        vehicle_id=appointment.vehicle_id, kind=appointment.due_kind, event_date=appointment.due_event_date,
        status=NoticeStatus.QUEUED,
    )
    Delivery.objects.filter(notice__in=notices, status__in=[DeliveryStatus.WAITING, DeliveryStatus.QUEUED]).update(
        status=DeliveryStatus.CANCELLED, last_error=SUPPRESS_REASON
    )
    return notices.update(status=NoticeStatus.SUPPRESSED, cancelled_at=timezone.now(), cancel_reason=SUPPRESS_REASON)


def _tell_owner(
    appointment: Appointment, *, stage: str, ics: bool = False, dedupe: str = "", sequence: int | None = None, **extra: Any
) -> Notice | None:
    return owner_notice_send(
        vehicle=appointment.vehicle, store=appointment.store, kind=NoticeKind.APPOINTMENT, stage=stage,
        dedupe_key=f"appointment:{appointment.pk}:{stage}{dedupe}", source_id=appointment.pk,
        context={**appointment_facts(appointment, ics=ics, sequence=sequence), **extra},
        due=due_facts(appointment.due_kind, appointment.due_event_date),
    )


@transaction.atomic
def appointment_confirm_notify(*, appointment: Appointment, actor=None) -> Appointment:
    """Confirm; suppress the due event's pending reminders; the owner gets the confirmation
    with an .ics invitation."""
    appointment = appointment_confirm(appointment=appointment, actor=actor)
    notices_suppress_for_appointment(appointment)
    _tell_owner(appointment, stage="confirmed", ics=True)
    return appointment


@transaction.atomic
def appointment_propose_notify(*, appointment: Appointment, alternatives: Sequence[dt.datetime], actor=None) -> Appointment:
    """Decline the requested time and offer others; the owner replies to pick one."""
    appointment = appointment_propose(appointment=appointment, alternatives=alternatives, actor=actor)
    _tell_owner(appointment, stage="proposed", proposed_times=appointment.proposed_times)
    return appointment


@transaction.atomic
def appointment_cancel_notify(*, appointment: Appointment, actor=None, reason: str = "store_cancelled") -> Appointment:
    """Cancel from the store side; a confirmed one also gets a calendar cancellation."""
    appointment = appointment_cancel(appointment=appointment, actor=actor, reason=reason)
    _tell_owner(appointment, stage="cancelled", ics=appointment.confirmed_at is not None)
    return appointment


@transaction.atomic
def appointment_move_notify(*, appointment: Appointment, starts_at: dt.datetime, actor=None) -> Appointment:
    """Move the booking (week board); the owner is told the new time, with an updated calendar
    entry when it was confirmed (same UID, a higher SEQUENCE: the move's time in seconds)."""
    appointment = appointment_move(appointment=appointment, starts_at=starts_at, actor=actor)
    stamp = int(timezone.now().timestamp())
    _tell_owner(appointment, stage="moved", ics=appointment.state == "confirmed", dedupe=f":{stamp}", sequence=stamp)
    return appointment


class PhoneBookingRefused(Exception):
    """The car already has an open booking for the same work (issue 16): change that one."""

    def __init__(self, appointment: Appointment):
        super().__init__(f"appointment {appointment.pk} is open for the same work")
        self.appointment = appointment


@transaction.atomic
def appointment_phone_book(
    *, vehicle: Vehicle, store: Store, starts_at: dt.datetime, work_type: WorkType, actor=None, note: str = ""
) -> BookingResult:
    """A customer on the phone, booked from an empty slot of the week board: a confirmed
    appointment at exactly that start (nothing else is taken silently); its due event's pending
    reminders are suppressed (a shaken booking covers the car's shaken expiry) and the owner gets
    the usual confirmation with the .ics invitation. Nothing free → no appointment, alternatives."""
    if timezone.is_naive(starts_at):
        raise ValidationError(_("Times must include a time zone."))
    first = appointment_open_for_purpose(vehicle=vehicle, work_type=work_type)
    local = starts_at.astimezone(BUSINESS_TZ)
    key = f"phone:{store.pk}:{vehicle.pk}:{work_type.pk}:{local:%Y%m%dT%H%M}"
    if first is not None and first.idempotency_key != key:
        raise PhoneBookingRefused(first)
    due_kind, due_date = ("shaken", vehicle.shaken_expiry) if work_type.code == "shaken" and vehicle.shaken_expiry else ("", None)
    try:
        result = appointment_request(
            vehicle=vehicle, store=store, preferred=[Preference(date=local.date(), time=local.time())],
            idempotency_key=key, due_kind=due_kind, due_event_date=due_date, note=note or _("Booked by phone."),
            actor=actor, work_type=work_type, state="confirmed",
        )
    except AppointmentExists as exists:
        raise PhoneBookingRefused(exists.appointment) from None
    booked = result.appointment
    if booked is not None and booked.starts_at != starts_at:  # staff picked a start: never another one
        transaction.set_rollback(True)
        return BookingResult(None, False, result.alternatives or (booked.starts_at,))
    if booked is not None and result.created:
        notices_suppress_for_appointment(booked)
        _tell_owner(booked, stage="confirmed", ics=True)
    return result
