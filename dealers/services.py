"""Dealer-level write operations. Each runs in one transaction with its audit entry."""

from __future__ import annotations

from django.db import transaction

from dealers.audit import audit_record
from dealers.models import Store, User


@transaction.atomic
def store_set_participation(*, store: Store, participates: bool, actor: User | None) -> bool:
    """Flip whether the store takes part in remote maintenance; True when it changed.

    Only the flag: ending the registrations of a store that leaves is the vehicles layer's
    job (vehicles.services.store_leave_remote_maintenance calls this and then ends them).
    A conditional UPDATE also takes the row lock that orders concurrent registrations.
    """
    changed = (
        Store.objects.filter(pk=store.pk)
        .exclude(participates_in_remote_maintenance=participates)
        .update(participates_in_remote_maintenance=participates)
    )
    store.participates_in_remote_maintenance = participates
    if changed:
        audit_record(
            action="store.participation", target=store, actor=actor, company=store.company_id,
            participates=participates,
        )
    return bool(changed)
