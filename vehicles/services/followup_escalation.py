"""Escalate overdue follow-ups: a periodic, idempotent, set-based scan.

Each run claims up to BATCH overdue open follow-ups not yet escalated (FOR UPDATE SKIP LOCKED,
so two runs never take the same rows), then in a handful of statements whatever the count:
- the ones sitting at a store that is closed now move to a desk serving the company (an open
  desk first, else the lowest id): nobody at a closed store will see them before it reopens;
  but only while the car still has e-Care (the desk is the e-Care call center: a car whose
  contract or model lost it since stays with its store);
- all get `escalated_at`, which takes them out of the next scan and marks them in the queue;
- one audit entry each, in one INSERT.
The due time is kept: an escalated follow-up stays overdue, at the top of the queue.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dealers.models import AuditEntry, CallCenterDesk, Store
from dealers.selectors.calendar import StoreCalendar, business_date, desk_is_open
from vehicles.models import Assignee, FollowUp, FollowUpStatus
from vehicles.services.contracts import ECARE, vehicles_with_service

BATCH = 500


@dataclass(frozen=True)
class EscalationResult:
    escalated: int = 0
    reassigned: int = 0


def followups_escalate(*, now: dt.datetime | None = None) -> EscalationResult:
    """Escalate every follow-up overdue at `now`, in batches; returns the counts."""
    now = now or timezone.now()
    escalated = reassigned = 0
    while True:
        batch = _escalate_batch(now)
        escalated += batch.escalated
        reassigned += batch.reassigned
        if batch.escalated < BATCH:
            return EscalationResult(escalated, reassigned)


@transaction.atomic
def _escalate_batch(now: dt.datetime) -> EscalationResult:
    rows = list(
        FollowUp.objects.select_for_update(skip_locked=True)
        .filter(status=FollowUpStatus.OPEN, escalated_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("id", "company_id", "assignee", "store_id", "vehicle_id")[:BATCH]
    )
    if not rows:
        return EscalationResult()
    closed_stores = _closed_stores({store for _id, _co, who, store, _car in rows if who == Assignee.STORE}, now)
    at_closed = [(pk, company, car) for pk, company, who, store, car in rows if who == Assignee.STORE and store in closed_stores]
    with_ecare = _with_ecare({car for _pk, _co, car in at_closed}, now)
    to_desk = {pk: company for pk, company, car in at_closed if car in with_ecare}  # follow-up id -> company id
    desk_for = _desk_per_company(set(to_desk.values()), now)
    moves: dict[int, list[int]] = defaultdict(list)
    for pk, company in to_desk.items():
        if company in desk_for:
            moves[desk_for[company]].append(pk)
    for desk_id, ids in moves.items():
        FollowUp.objects.filter(pk__in=ids).update(assignee=Assignee.DESK, desk_id=desk_id, store_id=None)
    FollowUp.objects.filter(pk__in=[row[0] for row in rows]).update(escalated_at=now)
    moved_to = {pk: desk_id for desk_id, ids in moves.items() for pk in ids}
    AuditEntry.objects.bulk_create(
        AuditEntry(
            action="followup.escalate", target_type=FollowUp._meta.label_lower, target_id=str(pk), company_id=company,
            data={"reassigned_to_desk": moved_to.get(pk)},
        )
        for pk, company, _who, _store, _car in rows
    )
    return EscalationResult(len(rows), len(moved_to))


def _with_ecare(vehicle_ids: set[int], now: dt.datetime) -> set[int]:
    if not vehicle_ids:
        return set()
    cars = vehicles_with_service(ECARE, business_date(now)).filter(pk__in=vehicle_ids)
    return set(cars.values_list("pk", flat=True))


def _closed_stores(store_ids: set[int], now: dt.datetime) -> set[int]:
    calendars = StoreCalendar.for_stores(Store.objects.filter(pk__in=store_ids))  # four queries
    return {pk for pk in store_ids if not calendars[pk].is_open_at(now)}


def _desk_per_company(company_ids: set[int], now: dt.datetime) -> dict[int, int]:
    """company id -> the desk to hand over to: an open one first, else the lowest id."""
    if not company_ids:
        return {}
    links = CallCenterDesk.companies.through.objects.filter(dealercompany_id__in=company_ids).select_related("callcenterdesk")
    desks: dict[int, list[CallCenterDesk]] = defaultdict(list)
    for link in links:
        desks[link.dealercompany_id].append(link.callcenterdesk)
    chosen = {}
    for company, candidates in desks.items():
        candidates.sort(key=lambda desk: (not desk_is_open(desk, now), desk.pk))
        chosen[company] = candidates[0].pk
    return chosen
