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
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dealers.selectors.calendar import BUSINESS_TZ
from notifications.models import Delivery, DeliveryStatus, Notice, NoticeKind, NoticeStatus
from notifications.services.ics import CalendarEvent, calendar_text, mimetype
from notifications.services.owner_notices import due_facts, owner_notice_send
from vehicles.models import Appointment
from vehicles.services.appointments import appointment_cancel, appointment_confirm, appointment_propose

SUPPRESS_REASON = "appointment"


def appointment_facts(appointment: Appointment, *, ics: bool = False) -> dict[str, Any]:
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
            "sequence": 1 if cancelled else 0,
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


def _tell_owner(appointment: Appointment, *, stage: str, ics: bool = False, **extra: Any) -> Notice | None:
    return owner_notice_send(
        vehicle=appointment.vehicle, store=appointment.store, kind=NoticeKind.APPOINTMENT, stage=stage,
        dedupe_key=f"appointment:{appointment.pk}:{stage}", source_id=appointment.pk,
        context={**appointment_facts(appointment, ics=ics), **extra},
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
