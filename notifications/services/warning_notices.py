"""Warning notices (e-Care): tell the owner at once, day or night, what the car reported and
what to do, and who will call them when.

A VehicleWarning opened by telemetry ingest gets one Notice (dedupe key `warning:<id>`, kind
`warning`; a third-party OBD-II device gets kind `device`, key `device:<id>`: one per detection,
since a warning row is one state change). Category safety: no opt-out holds it back and it
carries no promotion. Channels: the navigation unit for cars with a T-Connect navi (shown once
paired, like every navi message), and the app, both inbox channels delivered on creation. No
e-mail: the warning is for the driver, now.

What the notice must never say: anything about passing or failing the OBD check of the shaken.
That is a dealer-side flag only (vehicles.selectors.obd), domain §2.

Warning notices and follow-ups are e-Care: a car gets them only while e-Care is available to it
(contract, model and equipment, participating store: vehicles.services.contracts), checked in
the task after ingest, in the catch-up scan (set-based) and again when the notice is written.
The third-party device notice is about the connection itself, not e-Care: every car gets it.

Entry points: `warning_notice_create` (one warning), `warning_notices_queue` (subscribed to the
vehicles layer's warnings_opened hook: queues `warning_notices_for_vehicle` after the ingest
commits), `warning_notices_catch_up` (the periodic safety net).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dealers.selectors.calendar import BUSINESS_TZ, business_date
from dealers.services.queueing import task_queue_on_commit
from notifications.models import Delivery, Notice, NoticeKind
from notifications.services.owner_notices import store_facts, vehicle_facts
from vehicles.models import ConsentCategory, Equipment, FollowUp, VehicleWarning, WarningKind
from vehicles.selectors.telemetry import diagnostic_code_describe
from vehicles.services.contracts import ECARE, services_available, with_service
from vehicles.services.followups import FOLLOWUP_SEVERITIES, followup_open_for_warning

# Warnings older than this without a notice are left alone by the scans: telling an owner
# about yesterday's lamp days later helps nobody, and the dealer has the follow-up anyway.
CATCH_UP_WINDOW = dt.timedelta(hours=24)

_DELIVER_SQL = f"""
WITH dl AS (
    INSERT INTO {Delivery._meta.db_table} (notice_id, channel, status, attempts, next_attempt_at, delivered_at)
    SELECT n.id, ch.channel, ch.status, ch.attempts, %(now)s, ch.delivered_at
    FROM {Notice._meta.db_table} n
    JOIN vehicles_vehicle v ON v.id = n.vehicle_id
    CROSS JOIN LATERAL (VALUES
        ('navi', CASE WHEN v.navi_paired THEN 'delivered' ELSE 'waiting' END,
         CASE WHEN v.navi_paired THEN 1 ELSE 0 END, CASE WHEN v.navi_paired THEN %(now)s END,
         v.equipment = '{Equipment.NAVI.value}'),
        ('app', 'delivered', 1, %(now)s, TRUE)
    ) AS ch(channel, status, attempts, delivered_at, wanted)
    WHERE n.id = %(notice)s AND ch.wanted
    ON CONFLICT (notice_id, channel) DO NOTHING
    RETURNING status
)
UPDATE {Notice._meta.db_table} SET status = 'sent'
WHERE id = %(notice)s AND status = 'queued' AND EXISTS (SELECT 1 FROM dl WHERE status = 'delivered')
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def _notice_kind(warning: VehicleWarning) -> str:
    return NoticeKind.DEVICE if warning.kind == WarningKind.THIRD_PARTY_DEVICE else NoticeKind.WARNING


def warning_dedupe_key(warning: VehicleWarning) -> str:
    return f"{_notice_kind(warning)}:{warning.pk}"


def contact_facts(followup: FollowUp | None) -> dict[str, Any]:
    """Who will call the owner and from when (seed note 5), as the follow-up was routed."""
    if followup is None:
        return {"contact": ""}
    return {
        "contact": followup.assignee,
        "contact_now": followup.available_from <= followup.opened_at,
        "contact_from": followup.available_from.astimezone(BUSINESS_TZ).isoformat(),
    }


def _facts(warning: VehicleWarning, followup: FollowUp | None, language: str) -> dict[str, Any]:
    vehicle = warning.vehicle
    info = diagnostic_code_describe(warning.code, language=language)
    facts: dict[str, Any] = {
        **vehicle_facts(vehicle),
        "code": warning.code if warning.kind == WarningKind.DTC else "",
        "code_kind": warning.kind,
        "severity": warning.severity,
        "description": info.description if info else warning.code,
        "advice": info.advice if info else "",
        "opened_at": warning.opened_at.astimezone(BUSINESS_TZ).isoformat(),
        **contact_facts(followup),
    }
    if vehicle.store is not None:
        facts.update(store_facts(vehicle.store))
    return facts


@transaction.atomic
def warning_notice_create(*, warning_id: int, now: dt.datetime | None = None) -> Notice | None:
    """The warning's notice, created and delivered now if it has none yet; None when the car
    has no owner to tell (the follow-up still opens: the dealer sees the warning), and None
    with no follow-up when e-Care is not available to the car.

    Steps: 1. lock the warning row, so concurrent callers take turns (the second finds the
    notice); 2. check e-Care is available to the car today; 3. open and route the follow-up
    (vehicles layer) so the notice can say who calls when; 4. create the notice with the facts
    frozen in the owner's language; 5. deliver it to the navi (navi cars) and the app in one
    statement.
    """
    now = now or timezone.now()
    warning = (
        VehicleWarning.objects.select_for_update(of=("self",))
        .select_related("vehicle", "vehicle__customer", "vehicle__store", "vehicle__store__company")
        .filter(pk=warning_id)
        .first()
    )
    if warning is None:
        return None
    key = warning_dedupe_key(warning)
    existing = Notice.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing
    if _is_ecare(warning) and ECARE not in services_available(warning.vehicle, business_date(now)):
        return None
    followup = followup_open_for_warning(warning=warning, now=now)
    customer = warning.vehicle.customer
    if customer is None:
        return None
    language = customer.language or "ja"
    notice = Notice.objects.create(
        company_id=warning.vehicle.company_id, vehicle=warning.vehicle, customer=customer, kind=_notice_kind(warning),
        stage=warning.severity, category=ConsentCategory.SAFETY, event_date=business_date(warning.opened_at),
        send_on=business_date(now), source_id=warning.pk, dedupe_key=key, language=language,
        context=_facts(warning, followup, language),
    )
    with connection.cursor() as cursor:
        cursor.execute(_DELIVER_SQL, {"notice": notice.pk, "now": now})
    notice.refresh_from_db(fields=["status"])
    return notice


def _is_ecare(warning: VehicleWarning) -> bool:
    return warning.kind != WarningKind.THIRD_PARTY_DEVICE


def _with_ecare(warnings, now: dt.datetime):
    """Only warnings whose car has e-Care today (and device warnings, which are not e-Care): the
    same rule as the daily run's, joined to each warning's own car, so cars without it are never
    looked at again."""
    ecare = with_service(VehicleWarning.objects.all(), ECARE, business_date(now), vehicle="vehicle__")
    return warnings.filter(Q(kind=WarningKind.THIRD_PARTY_DEVICE) | Exists(ecare.filter(pk=OuterRef("pk"))))


def _without_notice(warnings):
    """Warnings still to be handled: no notice yet, and, when the car has no owner to tell,
    a follow-up still to open (otherwise every scan would look at them again)."""
    noticed = Notice.objects.filter(kind__in=[NoticeKind.WARNING, NoticeKind.DEVICE], source_id=OuterRef("pk"))
    nothing_left = Q(vehicle__customer__isnull=True) & (
        Q(followup__isnull=False) | ~Q(severity__in=FOLLOWUP_SEVERITIES) | Q(kind=WarningKind.THIRD_PARTY_DEVICE)
    )
    return warnings.exclude(Exists(noticed)).exclude(nothing_left)


def warning_notices_for_vehicle(*, vehicle_id: int, now: dt.datetime | None = None) -> list[Notice]:
    """Notices for the car's recent warnings that have none (the task after a batch)."""
    now = now or timezone.now()
    recent = VehicleWarning.objects.filter(vehicle_id=vehicle_id, opened_at__gte=now - CATCH_UP_WINDOW)
    ids = _without_notice(_with_ecare(recent, now))
    return _create_each(ids.order_by("opened_at", "id").values_list("pk", flat=True), now)


def warning_notices_catch_up(*, now: dt.datetime | None = None) -> int:
    """Safety net, every minute: notices for recent warnings of any car that have none (a task
    lost while the broker was down). One query finds them; returns how many were created."""
    now = now or timezone.now()
    recent = VehicleWarning.objects.filter(opened_at__gte=now - CATCH_UP_WINDOW, opened_at__lte=now)
    ids = _without_notice(_with_ecare(recent, now))
    return len(_create_each(ids.order_by("opened_at", "id").values_list("pk", flat=True)[:1000], now))


def _create_each(warning_ids, now: dt.datetime) -> list[Notice]:
    # One short transaction per warning: each lock is held only while its notice is written.
    notices = []
    for warning_id in list(warning_ids):
        notice = warning_notice_create(warning_id=warning_id, now=now)
        if notice is not None:
            notices.append(notice)
    return notices


def warning_notices_queue(vehicle_id: int) -> None:
    """Queue the car's warning notices after the ingest transaction commits. Should the broker be
    down then, the batch still succeeds: the catch-up scan sends the notice within a minute."""
    task_queue_on_commit("notifications.warning_notices_for_vehicle", vehicle_id)
