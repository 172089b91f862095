import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dealers.models import AuditEntry, Store
from dealers.services.companies import store_set_participation
from tests.factories import CompanyAdminFactory, StoreFactory, VehicleFactory
from vehicles.models import StoreRegistration, Vehicle
from vehicles.services import (
    registrations_end_for_store,
    store_leave_remote_maintenance,
    vehicle_register_store,
    vehicle_unregister_store,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def vehicle():
    return VehicleFactory()


@pytest.fixture
def alice(vehicle):
    """Company admin of the vehicle's dealer."""
    return CompanyAdminFactory(company=vehicle.company)


def _store(vehicle, **kwargs):
    return StoreFactory(company=vehicle.company, with_hours=False, **kwargs)


def test_register_writes_history_vehicle_store_and_audit(vehicle, alice):
    store = _store(vehicle)
    registration = vehicle_register_store(vehicle=vehicle, store=store, actor=alice)

    assert registration.store == store and registration.ended_at is None
    assert registration.registered_by == alice
    vehicle.refresh_from_db()
    assert vehicle.store == store
    entry = AuditEntry.objects.get(action="vehicle.store_change")
    assert entry.target_id == str(vehicle.pk)
    assert entry.company_id == vehicle.company_id
    assert entry.actor == alice
    assert entry.data == {"from_store": None, "to_store": store.pk}


def test_change_store_ends_previous_registration(vehicle, alice):
    first, second = _store(vehicle), _store(vehicle)
    old = vehicle_register_store(vehicle=vehicle, store=first, actor=alice)
    new = vehicle_register_store(vehicle=vehicle, store=second, actor=alice)

    old.refresh_from_db()
    assert old.ended_at is not None and old.ended_at == new.registered_at
    assert list(StoreRegistration.objects.filter(vehicle=vehicle, ended_at__isnull=True)) == [new]
    assert Vehicle.objects.get(pk=vehicle.pk).store_id == second.pk
    last = AuditEntry.objects.filter(action="vehicle.store_change").order_by("-id").first()
    assert last.data == {"from_store": first.pk, "to_store": second.pk}


def test_registering_the_same_store_again_is_a_no_op(vehicle, alice):
    store = _store(vehicle)
    first = vehicle_register_store(vehicle=vehicle, store=store, actor=alice)
    again = vehicle_register_store(vehicle=vehicle, store=store, actor=alice)

    assert again.pk == first.pk
    assert StoreRegistration.objects.filter(vehicle=vehicle).count() == 1
    assert AuditEntry.objects.filter(action="vehicle.store_change").count() == 1


@pytest.mark.parametrize(
    ("store_kwargs", "code"),
    [
        ({"participates_in_remote_maintenance": False}, "not_participating"),
        ({"is_active": False}, "inactive"),
    ],
)
def test_store_that_cannot_be_registered_is_refused(vehicle, alice, store_kwargs, code):
    store = _store(vehicle, **store_kwargs)
    with pytest.raises(ValidationError) as exc:
        vehicle_register_store(vehicle=vehicle, store=store, actor=alice)

    assert exc.value.code == code
    assert not StoreRegistration.objects.exists()
    assert not AuditEntry.objects.exists()
    vehicle.refresh_from_db()
    assert vehicle.store is None


def test_other_companys_store_is_refused(vehicle, alice):
    outsider_store = StoreFactory(with_hours=False)  # another dealer company
    with pytest.raises(ValidationError) as exc:
        vehicle_register_store(vehicle=vehicle, store=outsider_store, actor=alice)

    assert exc.value.code == "other_company"
    assert not StoreRegistration.objects.exists()


def test_stale_store_instance_is_rechecked_under_lock(vehicle, alice):
    """The flag is read from the database, not from the caller's (stale) instance."""
    store = _store(vehicle)
    Store.objects.filter(pk=store.pk).update(participates_in_remote_maintenance=False)
    assert store.participates_in_remote_maintenance  # stale copy still says yes

    with pytest.raises(ValidationError):
        vehicle_register_store(vehicle=vehicle, store=store, actor=alice)


def test_unregister_ends_registration(vehicle, alice):
    store = _store(vehicle)
    registration = vehicle_register_store(vehicle=vehicle, store=store, actor=alice)

    ended = vehicle_unregister_store(vehicle=vehicle, actor=alice)

    assert ended.pk == registration.pk
    registration.refresh_from_db()
    assert registration.ended_at is not None
    vehicle.refresh_from_db()
    assert vehicle.store is None
    last = AuditEntry.objects.filter(action="vehicle.store_change").order_by("-id").first()
    assert last.data == {"from_store": store.pk, "to_store": None}
    # Nothing registered any more: a second call changes and audits nothing.
    assert vehicle_unregister_store(vehicle=vehicle, actor=alice) is None
    assert AuditEntry.objects.filter(action="vehicle.store_change").count() == 2


def test_partial_unique_constraint_allows_one_open_registration_only(vehicle):
    store = _store(vehicle)
    now = timezone.now()
    StoreRegistration.objects.create(vehicle=vehicle, store=store, registered_at=now, ended_at=now)
    StoreRegistration.objects.create(vehicle=vehicle, store=store, registered_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreRegistration.objects.create(vehicle=vehicle, store=store, registered_at=now)


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_leave_one_consistent_open_row():
    vehicle = VehicleFactory()
    stores = [StoreFactory(company=vehicle.company, with_hours=False) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def register(store):
        try:
            barrier.wait(timeout=10)
            vehicle_register_store(vehicle=Vehicle.objects.get(pk=vehicle.pk), store=store, actor=None)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    open_rows = list(StoreRegistration.objects.filter(vehicle=vehicle, ended_at__isnull=True))
    assert len(open_rows) == 1
    assert StoreRegistration.objects.filter(vehicle=vehicle).count() == len(stores)
    assert Vehicle.objects.get(pk=vehicle.pk).store_id == open_rows[0].store_id
    # The history is a chain: each change's "from" is the previous change's "to".
    changes = [e.data for e in AuditEntry.objects.filter(action="vehicle.store_change").order_by("id")]
    assert [c["from_store"] for c in changes] == [None] + [c["to_store"] for c in changes[:-1]]


def test_registrations_end_for_store_is_set_based(django_assert_num_queries):
    store = StoreFactory(with_hours=False)
    other = StoreFactory(company=store.company, with_hours=False)
    leaving = [VehicleFactory(company=store.company) for _ in range(3)]
    staying = VehicleFactory(company=store.company)
    for v in leaving:
        vehicle_register_store(vehicle=v, store=store, actor=None)
    vehicle_register_store(vehicle=staying, store=other, actor=None)

    # lock store, update vehicles, update registrations, audit (+ savepoint pair)
    with django_assert_num_queries(6):
        count = registrations_end_for_store(store=store, actor=None)

    assert count == 3
    assert not Vehicle.objects.filter(store=store).exists()
    assert not StoreRegistration.objects.filter(store=store, ended_at__isnull=True).exists()
    assert StoreRegistration.objects.filter(store=store).count() == 3  # history kept
    assert Vehicle.objects.get(pk=staying.pk).store_id == other.pk
    entry = AuditEntry.objects.get(action="store.registrations_end")
    assert entry.data == {"count": 3} and entry.target_id == str(store.pk)


def test_store_leaving_remote_maintenance_ends_registrations_and_refuses_new_ones():
    store = StoreFactory(with_hours=False)
    admin = CompanyAdminFactory(company=store.company)
    vehicle = VehicleFactory(company=store.company)
    vehicle_register_store(vehicle=vehicle, store=store, actor=admin)

    assert store_leave_remote_maintenance(store=store, actor=admin) == 1

    store.refresh_from_db()
    assert store.participates_in_remote_maintenance is False
    assert AuditEntry.objects.filter(action="store.participation", data__participates=False).count() == 1
    with pytest.raises(ValidationError):
        vehicle_register_store(vehicle=vehicle, store=store, actor=admin)


def test_store_set_participation_audits_only_changes():
    store = StoreFactory(with_hours=False)
    assert store_set_participation(store=store, participates=True, actor=None) is False
    assert store_set_participation(store=store, participates=False, actor=None) is True
    assert store_set_participation(store=store, participates=False, actor=None) is False
    assert AuditEntry.objects.filter(action="store.participation").count() == 1
    store.refresh_from_db()
    assert store.participates_in_remote_maintenance is False


@pytest.mark.django_db(transaction=True)
def test_store_leaving_while_cars_register_leaves_no_car_at_a_non_participating_store():
    store = StoreFactory(with_hours=False)
    vehicles = [VehicleFactory(company=store.company) for _ in range(3)]
    barrier = threading.Barrier(len(vehicles) + 1)
    unexpected: list[BaseException] = []

    def run(action):
        try:
            barrier.wait(timeout=10)
            action()
        except ValidationError:
            pass  # refused because the store already left: a correct outcome
        except BaseException as exc:  # collected and asserted below
            unexpected.append(exc)
        finally:
            connection.close()

    actions = [lambda v=v: vehicle_register_store(vehicle=v, store=store, actor=None) for v in vehicles] + [
        lambda: store_leave_remote_maintenance(store=store, actor=None)
    ]
    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert unexpected == []
    assert not StoreRegistration.objects.filter(store=store, ended_at__isnull=True).exists()
    assert not Vehicle.objects.filter(store=store).exists()
