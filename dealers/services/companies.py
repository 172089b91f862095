"""Dealer companies and stores: a store's participation in remote maintenance."""

from __future__ import annotations

from django.db import transaction

from dealers.models import Store, User
from dealers.services.audit import audit_record


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

