"""Read side of follow-ups: the queue and one follow-up's page, in the caller's e-Care scope.

The scope is vehicles_for_followup: company admins their company, store staff their store's
cars, call-center agents the cars of every company their desk serves. Anything else is a 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from dealers.models import Role, User
from vehicles.models import Assignee, FollowUp, FollowUpCall, FollowUpStatus, TelemetryReading, VehicleState
from vehicles.selectors.health import HealthReport, health_report
from vehicles.selectors.obd import ObdCheckFlag, obd_check_flags, obd_check_flags_for
from vehicles.selectors.telemetry import CodeInfo, diagnostic_codes_describe, telemetry_readings
from vehicles.selectors.vehicles import vehicles_for_followup

QUEUE_LIMIT = 200
RECENT_READINGS = 20
RECENT_WINDOW = dt.timedelta(days=7)
_RELATED = ("vehicle", "vehicle__customer", "vehicle__store", "warning", "store", "desk")


def followups_for(user: User) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(vehicle__in=vehicles_for_followup(user))


def followup_get_for_user(user: User, pk: int | str) -> FollowUp:
    try:
        return followups_for(user).select_related(*_RELATED, "appointment", "closed_by").get(pk=pk)
    except (FollowUp.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class FollowUpQueue:
    items: list[FollowUp]
    total: int
    overdue: int
    meanings: dict[str, CodeInfo] = field(default_factory=dict)
    obd_flags: dict[int, list[ObdCheckFlag]] = field(default_factory=dict)


def _mine(user: User, qs: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    """Only what is assigned to the user's own desk or store."""
    if user.role == Role.CALL_CENTER:
        return qs.filter(assignee=Assignee.DESK, desk_id=user.desk_id)
    if user.role == Role.STORE_STAFF:
        assert user.store_id is not None  # check constraint user_role_has_its_tenant
        return qs.filter(assignee=Assignee.STORE, store_id=user.store_id)
    return qs


def followup_queue(user: User, *, closed: bool = False, mine: bool = False, now: dt.datetime | None = None) -> FollowUpQueue:
    """Open follow-ups by due time (so the overdue come first), or the latest closed ones.
    Six queries whatever the length: scope, rows, two counts, code meanings, OBD flags (2)."""
    now = now or timezone.now()
    qs = followups_for(user)
    if mine:
        qs = _mine(user, qs)
    if closed:
        qs = qs.filter(status=FollowUpStatus.CLOSED).order_by("-closed_at", "-id")
    else:
        qs = qs.filter(status=FollowUpStatus.OPEN).order_by("due_at", "id")
    items = list(qs.select_related(*_RELATED)[:QUEUE_LIMIT])
    total = len(items) if len(items) < QUEUE_LIMIT else qs.count()
    overdue = 0 if closed else sum(1 for f in items if f.due_at <= now)
    if not closed and total > len(items):
        overdue = qs.filter(due_at__lte=now).count()
    return FollowUpQueue(
        items=items, total=total, overdue=overdue,
        meanings=diagnostic_codes_describe({f.warning.code for f in items}) if items else {},
        obd_flags=obd_check_flags_for({f.vehicle_id for f in items if f.vehicle.obd_inspection_target}),
    )


@dataclass
class FollowUpPage:
    followup: FollowUp
    meaning: CodeInfo | None
    state: VehicleState | None
    readings: list[TelemetryReading]
    health: HealthReport
    calls: list[FollowUpCall]
    obd_flags: list[ObdCheckFlag]


def followup_page(followup: FollowUp, *, now: dt.datetime | None = None) -> FollowUpPage:
    """Everything the follow-up page shows about the car (fetched with followup_get_for_user)."""
    now = now or timezone.now()
    vehicle = followup.vehicle
    return FollowUpPage(
        followup=followup,
        meaning=diagnostic_codes_describe([followup.warning.code]).get(followup.warning.code),
        state=VehicleState.objects.filter(vehicle=vehicle).first(),
        readings=list(telemetry_readings(vehicle=vehicle, since=now - RECENT_WINDOW)[:RECENT_READINGS]),
        health=health_report(vehicle, now=now),
        calls=list(FollowUpCall.objects.filter(followup=followup).select_related("actor").order_by("-called_at", "-id")),
        obd_flags=obd_check_flags(vehicle),
    )
