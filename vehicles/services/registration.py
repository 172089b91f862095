"""Remote-maintenance store registration (seed note 3: some stores cannot be registered).

Lock order, everywhere: the store row, then the vehicle row, then registration rows. Keeping
one order lets a registration and a store leaving remote maintenance run concurrently
without deadlocks, and the store lock means a car is never registered to a store that
stopped taking part in the same instant.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import Store, User
from dealers.services.audit import audit_record
from dealers.services.companies import store_set_participation
from vehicles.models import StoreRegistration, Vehicle


def store_check_registrable(*, store: Store, company_id: int) -> None:
    """Raise ValidationError unless a car of `company_id` may be registered to `store`.

    Forms call this for a field error before saving; the services call it again under lock.
    """
    if store.company_id != company_id:
        raise ValidationError(_("This store belongs to another dealer company."), code="other_company")
    if not store.is_active:
        raise ValidationError(_("This store is closed and cannot be registered."), code="inactive")
    if not store.participates_in_remote_maintenance:
        raise ValidationError(
            _("This store does not take part in remote maintenance and cannot be registered."),
            code="not_participating",
        )


def _store_share_locked(store: Store) -> Store:
    """Re-read the store FOR SHARE: registrations to one store run in parallel, while a
    store leaving remote maintenance (FOR UPDATE / UPDATE) waits for them and they for it."""
    table = connection.ops.quote_name(Store._meta.db_table)
    rows = list(Store.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [store.pk]))  # noqa: S608
    if not rows:
        raise Store.DoesNotExist
    return rows[0]


def _open_registration(vehicle: Vehicle) -> StoreRegistration | None:
    return StoreRegistration.objects.select_for_update().filter(vehicle=vehicle, ended_at__isnull=True).first()


def _audit_change(*, vehicle: Vehicle, actor: User | None, from_store: int | None, to_store: int | None) -> None:
    audit_record(
        action="vehicle.store_change",
        target=vehicle,
        actor=actor,
        company=vehicle.company_id,
        from_store=from_store,
        to_store=to_store,
    )


@transaction.atomic
def vehicle_register_store(*, vehicle: Vehicle, store: Store, actor: User | None) -> StoreRegistration:
    """Make `store` the vehicle's remote-maintenance store.

    1. lock the store (fresh flags) and the vehicle; check the store may be registered;
    2. same store already registered: return the open registration (no new history row);
    3. end the open registration, open a new one, point vehicle.store at the store;
    4. audit "vehicle.store_change" with the from/to store ids.
    """
    store = _store_share_locked(store)
    locked = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    store_check_registrable(store=store, company_id=locked.company_id)
    current = _open_registration(locked)
    if current is not None and current.store_id == store.pk and locked.store_id == store.pk:
        vehicle.store = store
        return current
    now = timezone.now()
    if current is not None:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
    registration = StoreRegistration.objects.create(vehicle=locked, store=store, registered_at=now, registered_by=actor)
    from_store = locked.store_id
    locked.store = store
    locked.save(update_fields=["store", "updated_at"])
    vehicle.store = store
    _audit_change(vehicle=locked, actor=actor, from_store=from_store, to_store=store.pk)
    return registration


@transaction.atomic
def vehicle_unregister_store(*, vehicle: Vehicle, actor: User | None) -> StoreRegistration | None:
    """End the vehicle's registration; returns the ended row, or None when there was none."""
    locked = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    current = _open_registration(locked)
    if current is None and locked.store_id is None:
        return None
    if current is not None:
        current.ended_at = timezone.now()
        current.save(update_fields=["ended_at"])
    from_store = locked.store_id
    locked.store = None
    locked.save(update_fields=["store", "updated_at"])
    vehicle.store = None
    _audit_change(vehicle=locked, actor=actor, from_store=from_store, to_store=None)
    return current


@transaction.atomic
def registrations_end_for_store(*, store: Store, actor: User | None) -> int:
    """End every open registration at `store` in two UPDATEs; returns how many ended.

    Vehicles are updated before registrations: the same vehicle → registration order as
    vehicle_register_store.
    """
    Store.objects.select_for_update().filter(pk=store.pk).first()
    now = timezone.now()
    Vehicle.objects.filter(store=store).update(store=None, updated_at=now)
    count = StoreRegistration.objects.filter(store=store, ended_at__isnull=True).update(ended_at=now)
    audit_record(action="store.registrations_end", target=store, actor=actor, company=store.company_id, count=count)
    return count


@transaction.atomic
def store_leave_remote_maintenance(*, store: Store, actor: User | None) -> int:
    """The store stops taking part: flip the flag and end its registrations (count returned)."""
    store_set_participation(store=store, participates=False, actor=actor)
    return registrations_end_for_store(store=store, actor=actor)
