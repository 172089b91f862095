import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dealers.models import AuditEntry
from tests.factories import ContractFactory, StoreFactory, VehicleFactory
from vehicles.models import Contract, ContractStatus, Equipment, ServiceAvailability, Vehicle
from vehicles.services import (
    contract_activate,
    contract_set_status,
    contract_set_terms,
    services_available,
    services_offered,
    vehicle_register_store,
    vehicles_with_service,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
BOTH = {"remote_maintenance", "ecare"}


@pytest.fixture
def availability():
    """Any model: navi gets both services, DCM-only only remote maintenance.
    Model ZVW30: no e-Care at all; model MXWH60 has no row and falls back to "*"."""
    rows = [
        ("*", Equipment.NAVI, True, True),
        ("*", Equipment.DCM_ONLY, True, False),
        ("ZVW30", Equipment.NAVI, True, False),
        ("ZVW30", Equipment.DCM_ONLY, True, False),
        # A row for "none" must still offer nothing: such a car cannot receive mail.
        ("*", Equipment.NONE, True, True),
    ]
    ServiceAvailability.objects.bulk_create(
        ServiceAvailability(model_code=m, equipment=e, remote_maintenance=rm, ecare=ec) for m, e, rm, ec in rows
    )


def _car(model_code="MXWH60", equipment=Equipment.NAVI, *, registered=True, **contract):
    vehicle = VehicleFactory(model_code=model_code, equipment=equipment)
    if registered:
        store = StoreFactory(company=vehicle.company, with_hours=False)
        vehicle_register_store(vehicle=vehicle, store=store, actor=None)
    ContractFactory(vehicle=vehicle, **{"starts_on": dt.date(2025, 1, 1), **contract})
    return Vehicle.objects.select_related("store", "contract").get(pk=vehicle.pk)


def _check_both_ways(vehicle, expected):
    """services_available and the SQL form must agree on every car."""
    assert services_available(vehicle, TODAY) == expected
    for service in BOTH:
        in_sql = vehicles_with_service(service, TODAY).filter(pk=vehicle.pk).exists()
        assert in_sql == (service in expected), service


@pytest.mark.parametrize(
    ("model_code", "equipment", "expected"),
    [
        ("MXWH60", Equipment.NAVI, BOTH),  # "*" fallback row
        ("MXWH60", Equipment.DCM_ONLY, {"remote_maintenance"}),  # "*" fallback, DCM only
        ("ZVW30", Equipment.NAVI, {"remote_maintenance"}),  # the model's own row wins over "*"
        ("ZVW30", Equipment.DCM_ONLY, {"remote_maintenance"}),
        ("MXWH60", Equipment.NONE, set()),  # not connected: nothing, whatever the rows say
    ],
)
def test_availability_matrix(availability, model_code, equipment, expected):
    _check_both_ways(_car(model_code, equipment), expected)


def test_no_availability_row_at_all_offers_what_the_contract_includes():
    # The same rule as the daily run's SQL: an unconfigured model is not silently cut off.
    _check_both_ways(_car(), {"remote_maintenance", "ecare"})


@pytest.mark.parametrize("status", [ContractStatus.SUSPENDED, ContractStatus.CANCELLED, ContractStatus.EXPIRED])
def test_inactive_contract_offers_nothing(availability, status):
    _check_both_ways(_car(status=status), set())


def test_no_contract_offers_nothing(availability):
    vehicle = VehicleFactory(model_code="MXWH60")
    _check_both_ways(vehicle, set())


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "expected"),
    [
        (dt.date(2026, 6, 2), None, set()),  # starts tomorrow
        (dt.date(2025, 1, 1), dt.date(2026, 5, 31), set()),  # ended yesterday
        (dt.date(2025, 1, 1), TODAY, BOTH),  # last day included
        (TODAY, None, BOTH),  # first day included
    ],
)
def test_contract_term_on_the_business_date(availability, starts_on, ends_on, expected):
    _check_both_ways(_car(starts_on=starts_on, ends_on=ends_on), expected)


def test_contract_without_ecare_offers_only_remote_maintenance(availability):
    _check_both_ways(_car(ecare=False), {"remote_maintenance"})


def test_unregistered_car_is_offered_but_not_available(availability):
    vehicle = _car(registered=False)
    assert services_offered(vehicle, TODAY) == BOTH
    _check_both_ways(vehicle, set())


def test_vehicles_with_service_is_one_query(availability, django_assert_num_queries):
    cars = [_car(), _car("ZVW30"), _car(equipment=Equipment.DCM_ONLY), _car(status=ContractStatus.SUSPENDED)]
    with django_assert_num_queries(1):
        ecare = set(vehicles_with_service("ecare", TODAY).values_list("pk", flat=True))
    assert ecare == {cars[0].pk}
    with django_assert_num_queries(1):
        remote = set(vehicles_with_service("remote_maintenance", TODAY).values_list("pk", flat=True))
    assert remote == {c.pk for c in cars[:3]}


def test_vehicles_with_service_rejects_unknown_service():
    with pytest.raises(ValueError, match="unknown service"):
        vehicles_with_service("telepathy", TODAY)


def test_contract_activate_creates_then_reactivates_with_audit():
    vehicle = VehicleFactory()
    contract = contract_activate(vehicle=vehicle, starts_on=dt.date(2026, 1, 1), ecare=False, actor=None)
    assert (contract.status, contract.ecare, contract.ends_on) == (ContractStatus.ACTIVE, False, None)

    contract_set_status(contract=contract, status=ContractStatus.SUSPENDED, actor=None)
    again = contract_activate(vehicle=vehicle, starts_on=dt.date(2026, 2, 1), ends_on=dt.date(2029, 1, 31), actor=None)

    assert again.pk == contract.pk
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "data__created"))
    assert actions == [("contract.activate", True), ("contract.status", None), ("contract.activate", False)]


def test_contract_activate_refuses_end_before_start():
    vehicle = VehicleFactory()
    with pytest.raises(ValidationError) as exc:
        contract_activate(vehicle=vehicle, starts_on=TODAY, ends_on=TODAY - dt.timedelta(days=1), actor=None)
    assert "ends_on" in exc.value.message_dict
    assert not Contract.objects.exists()


def test_contract_set_status_audits_changes_only():
    contract = ContractFactory()
    contract_set_status(contract=contract, status=ContractStatus.CANCELLED, actor=None)
    contract_set_status(contract=contract, status=ContractStatus.CANCELLED, actor=None)

    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.CANCELLED
    entry = AuditEntry.objects.get(action="contract.status")
    assert entry.data["from_status"] == "active" and entry.data["to_status"] == "cancelled"
    assert entry.company_id == contract.vehicle.company_id


def test_contract_set_status_refuses_unknown_status():
    contract = ContractFactory()
    with pytest.raises(ValidationError):
        contract_set_status(contract=contract, status="paused", actor=None)
    assert not AuditEntry.objects.exists()


def test_contract_set_terms_keeps_status_and_names_changed_fields():
    contract = ContractFactory(status=ContractStatus.SUSPENDED, starts_on=dt.date(2025, 1, 1))
    contract_set_terms(
        contract=contract,
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2027, 12, 31),
        remote_maintenance=True,
        ecare=False,
        actor=None,
    )
    stored = Contract.objects.get(pk=contract.pk)
    assert (stored.status, stored.ends_on, stored.ecare) == (ContractStatus.SUSPENDED, dt.date(2027, 12, 31), False)
    assert AuditEntry.objects.get(action="contract.terms").data["changed"] == ["ends_on", "ecare"]
