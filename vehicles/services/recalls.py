"""Recall targets: linking to our vehicles and what dealer staff record about them (domain §4)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import Store, User
from dealers.services.audit import audit_record
from vehicles.models import RecallCampaign, RecallStatus, RecallTarget, Vehicle

NOTE_MAX_LENGTH = 200  # RecallTarget.note


def recall_targets_link_vehicles(*, campaign: RecallCampaign | None = None, today: dt.date | None = None) -> int:
    """Link unlinked targets to the vehicle with the same chassis number, in one UPDATE.

    Call after importing vehicles (and after a recall import). A target linked late became a
    target for this dealer only now, so its `became_target_on` moves up to today: the first
    notice goes out tomorrow rather than a stage computed from the maker's list date.
    Returns the number of targets linked.
    """
    today = today or timezone.localdate()
    unlinked = RecallTarget.objects.filter(
        vehicle__isnull=True, chassis_number__in=Vehicle.objects.values("chassis_number")
    )
    if campaign is not None:
        unlinked = unlinked.filter(campaign=campaign)
    return unlinked.update(
        vehicle=Subquery(Vehicle.objects.filter(chassis_number=OuterRef("chassis_number")).values("id")[:1]),
        became_target_on=Greatest(F("became_target_on"), Value(today)),
        updated_at=timezone.now(),
    )


def _locked_with_vehicle(target: RecallTarget) -> RecallTarget:
    locked = RecallTarget.objects.select_for_update(of=("self",)).select_related("vehicle").get(pk=target.pk)
    if locked.vehicle is None:
        raise ValidationError(_("This chassis number is not one of the dealer's vehicles."))
    return locked


@transaction.atomic
def recall_target_mark_done(*, target: RecallTarget, done_on: dt.date, store: Store, actor: User | None) -> RecallTarget:
    """Record that the remedy was performed.

    1. Lock the target; it must be linked to a vehicle.
    2. The store must belong to the vehicle's dealer company; the date may not be in the future.
    3. Save status, date, store and who marked it; audit in the same transaction.
    Marking again corrects the date or store (the audit keeps the previous values).
    """
    locked = _locked_with_vehicle(target)
    vehicle = locked.vehicle
    assert vehicle is not None  # checked by _locked_with_vehicle
    if store.company_id != vehicle.company_id:
        raise ValidationError({"store": _("Choose a store of the vehicle's dealer company.")})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The date cannot be in the future.")})
    previous = {"status": locked.status, "done_on": locked.done_on.isoformat() if locked.done_on else None,
                "done_store": locked.done_store_id}
    locked.status = RecallStatus.DONE
    locked.done_on = done_on
    locked.done_store = store
    locked.note = ""
    locked.marked_by = actor
    locked.save(update_fields=["status", "done_on", "done_store", "note", "marked_by", "updated_at"])
    audit_record(
        action="recall_target.done", target=locked, actor=actor, company=vehicle.company_id,
        campaign=locked.campaign_id, done_on=done_on.isoformat(), store=store.pk, previous=previous,
    )
    return locked


@transaction.atomic
def recall_target_mark_not_applicable(*, target: RecallTarget, actor: User | None, reason: str) -> RecallTarget:
    """Record that the remedy does not apply to this car (e.g. part already replaced, scrapped).

    A reason is required: it is what a later reader of the completion figures needs.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the recall does not apply to this car.")})
    if len(reason) > NOTE_MAX_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under 200 characters.")})
    locked = _locked_with_vehicle(target)
    assert locked.vehicle is not None
    previous_status = locked.status
    locked.status = RecallStatus.NOT_APPLICABLE
    locked.done_on = None
    locked.done_store = None
    locked.note = reason
    locked.marked_by = actor
    locked.save(update_fields=["status", "done_on", "done_store", "note", "marked_by", "updated_at"])
    audit_record(
        action="recall_target.not_applicable", target=locked, actor=actor, company=locked.vehicle.company_id,
        campaign=locked.campaign_id, reason=reason, previous=previous_status,
    )
    return locked
