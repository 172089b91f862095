"""e-Care follow-ups: open one per serious warning, log calls, close, book a visit.

Escalation of overdue follow-ups is a set-based scan (vehicles.services.followup_escalation).
Routing and the SLA are in vehicles.services.followup_routing. The warning notice to the owner is the
notifications layer's (notifications.services.warning_notices), which calls
`followup_open_for_warning` first so the notice can say who will call and when.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import CallCenterDesk, User
from dealers.parsing.dates import datetime_label
from dealers.selectors.calendar import BUSINESS_TZ
from dealers.services.audit import audit_record
from vehicles.models import (
    CallOutcome,
    FollowUp,
    FollowUpCall,
    FollowUpStatus,
    NextAction,
    Severity,
    VehicleWarning,
    WarningKind,
    WorkCode,
)
from vehicles.parsing.preferences import Preference
from vehicles.selectors.appointments import appointment_open_for_purpose
from vehicles.services.appointments import AppointmentExists, BookingResult, appointment_request
from vehicles.services.capacity import work_type_for
from vehicles.services.followup_routing import followup_route

# Severities a dealer calls the owner about; "info" only gets the notice.
FOLLOWUP_SEVERITIES = (Severity.STOP_NOW, Severity.SEE_DEALER_SOON)
MAX_ADVICE = 4000


def desks_serving(company_id: int) -> list[CallCenterDesk]:
    """The call-center desks serving a company, in preference order (lowest id first)."""
    return list(CallCenterDesk.objects.filter(companies=company_id).order_by("id"))


def followup_open_for_warning(*, warning: VehicleWarning, now: dt.datetime | None = None) -> FollowUp | None:
    """The warning's follow-up, opened and routed now if it has none; None for warnings that
    need no call (severity info, a third-party device).

    Steps: 1. an existing follow-up is returned as it is (once per warning); 2. route it
    (store open → store; else an open desk; else whichever opens first); 3. insert it with its
    audit entry; a concurrent insert for the same warning wins and is returned instead.
    """
    if warning.severity not in FOLLOWUP_SEVERITIES or warning.kind == WarningKind.THIRD_PARTY_DEVICE:
        return None
    existing = FollowUp.objects.filter(warning=warning).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    vehicle = warning.vehicle
    store = vehicle.store if vehicle.store is not None and vehicle.store.is_active else None
    routing = followup_route(store=store, desks=desks_serving(vehicle.company_id), severity=warning.severity, now=now)
    try:
        with transaction.atomic():
            followup = FollowUp.objects.create(
                company_id=vehicle.company_id, vehicle=vehicle, warning=warning, severity=warning.severity,
                assignee=routing.assignee, store=routing.store, desk=routing.desk, opened_at=now,
                available_from=routing.available_from, due_at=routing.due_at,
            )
            audit_record(
                action="followup.open", target=followup, actor=None, company=vehicle.company_id, code=warning.code,
                assignee=routing.assignee, store=routing.store.pk if routing.store else None,
                desk=routing.desk.pk if routing.desk else None, due_at=routing.due_at.isoformat(),
            )
    except IntegrityError:
        return FollowUp.objects.get(warning=warning)
    return followup


def _locked_open(followup: FollowUp) -> FollowUp:
    locked = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if locked.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This follow-up is closed."))
    return locked


@transaction.atomic
def followup_log_call(
    *, followup: FollowUp, actor: User, outcome: str, advice: str, next_action: str, called_at: dt.datetime | None = None
) -> FollowUpCall:
    """Record a call to the owner and the advice given (audited). The owner reached means
    advice was given: it must be written down."""
    advice = (advice or "").strip()
    errors = {}
    if outcome not in CallOutcome.values:
        errors["outcome"] = [_("Choose how the call went.")]
    if next_action not in NextAction.values:
        errors["next_action"] = [_("Choose what happens next.")]
    if outcome == CallOutcome.REACHED and not advice:
        errors["advice"] = [_("Write down the advice given to the owner.")]
    if len(advice) > MAX_ADVICE:
        errors["advice"] = [_("At most %(n)d characters.") % {"n": MAX_ADVICE}]
    if errors:
        raise ValidationError(errors)
    locked = _locked_open(followup)
    called_at = called_at or timezone.now()
    call = FollowUpCall.objects.create(
        followup=locked, actor=actor, called_at=called_at, outcome=outcome, advice=advice, next_action=next_action
    )
    if locked.first_call_at is None:
        FollowUp.objects.filter(pk=locked.pk).update(first_call_at=called_at)
        followup.first_call_at = called_at
    audit_record(
        action="followup.call", target=locked, actor=actor, company=locked.company_id, outcome=outcome,
        next_action=next_action, call=call.pk,
    )
    return call


@transaction.atomic
def followup_close(*, followup: FollowUp, actor: User, resolution: str = "") -> FollowUp:
    """Close an open follow-up (audited); closing twice is an error, not a second close."""
    locked = _locked_open(followup)
    now = timezone.now()
    locked.status, locked.closed_at, locked.closed_by, locked.resolution = FollowUpStatus.CLOSED, now, actor, resolution.strip()
    locked.save(update_fields=["status", "closed_at", "closed_by", "resolution"])
    audit_record(action="followup.close", target=locked, actor=actor, company=locked.company_id)
    return locked


@transaction.atomic
def followup_book_visit(*, followup: FollowUp, actor: User, starts_at: dt.datetime) -> BookingResult:
    """Book a visit at the car's store from the follow-up (vehicles.services.appointment_request):
    a requested appointment the store then confirms. The same time posted twice books once.
    Nothing free at that time → no appointment, and the result lists alternatives. The car
    already has an open visit that is not for a due event → AppointmentExists (the page links it).

    A booked visit is what the call was for: the follow-up closes with the visit as its
    resolution, so it leaves the open queues (the store's and the call center's)."""
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": [_("Times must include a time zone.")]})
    vehicle = followup.vehicle
    if vehicle.store is None:
        raise ValidationError(_("The car has no registered store to visit."))
    local = starts_at.astimezone(BUSINESS_TZ)
    key = f"followup:{followup.pk}:{local:%Y%m%dT%H%M}"
    work_type = work_type_for(vehicle.company_id, WorkCode.DIAGNOSIS)
    first = appointment_open_for_purpose(vehicle=vehicle, work_type=work_type)
    if first is not None and first.idempotency_key != key:
        raise AppointmentExists(first)  # issue 16: a second open visit for the same purpose
    result = appointment_request(
        work_type=work_type,
        vehicle=vehicle, store=vehicle.store, preferred=[Preference(date=local.date(), time=local.time())],
        idempotency_key=key, actor=actor,
        note=_("Booked from the follow-up of warning %(code)s.") % {"code": followup.warning.code},
    )
    if result.appointment is not None and result.created:
        FollowUp.objects.filter(pk=followup.pk).update(appointment=result.appointment)
        followup.appointment = result.appointment
        audit_record(
            action="followup.book", target=followup, actor=actor, company=followup.company_id,
            appointment=result.appointment.pk,
        )
        if FollowUp.objects.filter(pk=followup.pk, status=FollowUpStatus.OPEN).exists():
            resolution = _("Visit booked: %(at)s at %(store)s.") % {"at": datetime_label(local), "store": vehicle.store.name}
            closed = followup_close(followup=followup, actor=actor, resolution=resolution)
            followup.status, followup.closed_at, followup.resolution = closed.status, closed.closed_at, closed.resolution
    return result
