"""Admin writes go through the services: history, audit and validation as in the portal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from dealers.models import AuditEntry, Store
from tests.adminform import form_data
from tests.auth import login_staff
from tests.factories import ContractFactory, CustomerFactory, StoreFactory, VehicleFactory
from vehicles.models import (
    ConsentRecord,
    Contract,
    ContractStatus,
    Customer,
    CustomerConsent,
    StoreRegistration,
    Vehicle,
    VehicleCredential,
)
from vehicles.services import vehicle_register_store
from vehicles.services.credentials import credential_authenticate, credential_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client, django_user_model):
    user = django_user_model.objects.create_superuser("root@tconnect.example.jp", "pw-for-tests-123")
    login_staff(client, user)  # admin sessions pass TOTP
    return user


def _submit(client, url, changes=None):
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, form_data(page.content.decode(), changes))


def _change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _add_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def test_changing_the_store_in_admin_goes_through_the_service(client, root):
    vehicle = VehicleFactory()
    first, second = StoreFactory(company=vehicle.company), StoreFactory(company=vehicle.company)
    vehicle_register_store(vehicle=vehicle, store=first, actor=None)

    response = _submit(client, _change_url(vehicle), {"store": str(second.pk), "odometer_km": "12345"})

    assert response.status_code == 302, response.content.decode()[:2000]
    vehicle.refresh_from_db()
    assert (vehicle.store_id, vehicle.odometer_km) == (second.pk, 12345)
    history = StoreRegistration.objects.filter(vehicle=vehicle).order_by("id")
    assert [(r.store_id, r.ended_at is None) for r in history] == [(first.pk, False), (second.pk, True)]
    entry = AuditEntry.objects.filter(action="vehicle.store_change").order_by("-id").first()
    assert entry.actor == root and entry.data == {"from_store": first.pk, "to_store": second.pk}


def test_saving_without_touching_the_store_writes_no_history(client, root):
    vehicle = VehicleFactory()
    vehicle_register_store(vehicle=vehicle, store=StoreFactory(company=vehicle.company), actor=None)

    assert _submit(client, _change_url(vehicle), {"car_name": "プリウスPHV"}).status_code == 302

    assert StoreRegistration.objects.filter(vehicle=vehicle).count() == 1
    assert AuditEntry.objects.filter(action="vehicle.store_change").count() == 1
    assert Vehicle.objects.get(pk=vehicle.pk).car_name == "プリウスPHV"


@pytest.mark.parametrize(
    "make_store",
    [
        lambda v: StoreFactory(company=v.company, participates_in_remote_maintenance=False),
        lambda v: StoreFactory(),  # another dealer company
    ],
)
def test_store_that_cannot_be_registered_is_a_form_error(client, root, make_store):
    vehicle = VehicleFactory()
    store = make_store(vehicle)

    response = _submit(client, _change_url(vehicle), {"store": str(store.pk)})

    assert response.status_code == 200
    assert "store" in response.context["adminform"].form.errors
    assert Vehicle.objects.get(pk=vehicle.pk).store_id is None
    assert not StoreRegistration.objects.exists()


def test_clearing_the_store_unregisters(client, root):
    vehicle = VehicleFactory()
    vehicle_register_store(vehicle=vehicle, store=StoreFactory(company=vehicle.company), actor=None)

    assert _submit(client, _change_url(vehicle), {"store": ""}).status_code == 302

    assert Vehicle.objects.get(pk=vehicle.pk).store_id is None
    assert not StoreRegistration.objects.filter(vehicle=vehicle, ended_at__isnull=True).exists()


def test_adding_a_vehicle_with_a_store_registers_it(client, root):
    store = StoreFactory()
    customer = CustomerFactory(company=store.company)
    page = client.get(_add_url(Vehicle))
    data = form_data(
        page.content.decode(),
        {
            "company": str(store.company_id),
            "customer": str(customer.pk),
            "chassis_number": "ｍｘｗｈ６０－４０００００１",
            "model_code": "MXWH60",
            "car_name": "プリウス",
            "plate_region": "品川",
            "plate_class": "330",
            "plate_kana": "さ",
            "plate_serial": "1234",
            "store": str(store.pk),
        },
    )

    response = client.post(_add_url(Vehicle), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    vehicle = Vehicle.objects.get(chassis_number="MXWH60-4000001")  # normalised
    assert vehicle.store_id == store.pk and vehicle.plate_search == "品川330さ1234"
    assert StoreRegistration.objects.get(vehicle=vehicle).registered_by == root


def test_contract_inline_edits_go_through_the_services(client, root):
    contract = ContractFactory(starts_on=dt.date(2025, 4, 1))

    response = _submit(
        client,
        _change_url(contract.vehicle),
        {
            "contract-0-status": ContractStatus.SUSPENDED,
            "contract-0-ends_on": "2028-03-31",
        },
    )

    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.status, contract.ends_on) == (ContractStatus.SUSPENDED, dt.date(2028, 3, 31))
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"contract.terms", "contract.status"} <= actions


def test_contract_inline_creates_through_activate(client, root):
    vehicle = VehicleFactory()

    response = _submit(
        client,
        _change_url(vehicle),
        {
            "contract-TOTAL_FORMS": "1",
            "contract-0-status": ContractStatus.ACTIVE,
            "contract-0-starts_on": "2026-04-01",
            "contract-0-remote_maintenance": "on",
            "contract-0-vehicle": str(vehicle.pk),
        },
    )

    assert response.status_code == 302
    contract = Contract.objects.get(vehicle=vehicle)
    assert (contract.starts_on, contract.remote_maintenance, contract.ecare) == (dt.date(2026, 4, 1), True, False)
    assert AuditEntry.objects.filter(action="contract.activate", actor=root).exists()


def test_contract_admin_refuses_end_before_start(client, root):
    contract = ContractFactory(starts_on=dt.date(2025, 4, 1))
    response = _submit(client, _change_url(contract), {"ends_on": "2025-03-31"})
    assert response.status_code == 200
    assert Contract.objects.get(pk=contract.pk).ends_on is None


def test_rotate_action_shows_the_new_token_once(client, root):
    vehicle = VehicleFactory()
    old = credential_issue(vehicle=vehicle, actor=None)
    url = reverse("admin:vehicles_vehiclecredential_changelist")

    response = client.post(url, {"action": "rotate", "_selected_action": [old.credential.pk]}, follow=True)

    texts = [str(m) for m in get_messages(response.wsgi_request)] or [str(m) for m in response.context["messages"]]
    tokens = [word for text in texts for word in text.split() if word.startswith("v") and "." in word]
    assert len(tokens) == 1
    assert credential_authenticate(tokens[0]).vehicle == vehicle
    assert VehicleCredential.objects.filter(vehicle=vehicle).count() == 2
    assert tokens[0] not in client.get(url).content.decode()  # not shown again


def test_revoke_all_action(client, root):
    vehicle = VehicleFactory()
    issued = [credential_issue(vehicle=vehicle, actor=None) for _ in range(2)]
    url = reverse("admin:vehicles_vehicle_changelist")

    client.post(url, {"action": "revoke_credentials", "_selected_action": [vehicle.pk]})

    assert all(credential_authenticate(i.token) is None for i in issued)
    assert AuditEntry.objects.filter(action="credential.revoke", actor=root).exists()


def test_store_leave_action_ends_registrations(client, root):
    store = StoreFactory()
    vehicle = VehicleFactory(company=store.company)
    vehicle_register_store(vehicle=vehicle, store=store, actor=None)

    client.post(
        reverse("admin:dealers_store_changelist"),
        {"action": "leave_remote_maintenance", "_selected_action": [store.pk]},
    )

    assert Store.objects.get(pk=store.pk).participates_in_remote_maintenance is False
    assert Vehicle.objects.get(pk=vehicle.pk).store_id is None


def test_participation_box_is_read_only_on_an_existing_store(client, root):
    store = StoreFactory()
    vehicle = VehicleFactory(company=store.company)
    vehicle_register_store(vehicle=vehicle, store=store, actor=None)

    _submit(client, _change_url(store), {"participates_in_remote_maintenance": None})

    assert Store.objects.get(pk=store.pk).participates_in_remote_maintenance is True


def test_customer_admin_normalises_through_the_service(client, root):
    customer = CustomerFactory()

    response = _submit(client, _change_url(customer), {"phone": "０９０-７７７７-８８８８", "email": "Taro@Example.JP"})

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.phone, customer.email) == ("09077778888", "taro@example.jp")
    assert AuditEntry.objects.get(action="customer.update").data == {"fields": ["email", "phone"]}


def test_customer_admin_bad_phone_is_a_form_error(client, root):
    customer = CustomerFactory(phone="09011112222")
    response = _submit(client, _change_url(customer), {"phone": "12"})
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert Customer.objects.get(pk=customer.pk).phone == "09011112222"


def test_consent_admin_records_evidence(client, root):
    customer = CustomerFactory()
    page = client.get(_add_url(CustomerConsent))
    data = form_data(
        page.content.decode(),
        {
            "customer": str(customer.pk),
            "category": "marketing",
            "granted": "on",
            "source": "paper form at store",
            "evidence": "form 0042",
        },
    )

    assert client.post(_add_url(CustomerConsent), data).status_code == 302

    record = ConsentRecord.objects.get(customer=customer)
    assert (record.granted, record.source, record.evidence) == (True, "paper form at store", "form 0042")
    assert record.recorded_by == root


def test_consent_admin_refuses_safety_refusal(client, root):
    customer = CustomerFactory()
    page = client.get(_add_url(CustomerConsent))
    data = form_data(
        page.content.decode(),
        {
            "customer": str(customer.pk),
            "category": "safety",
            "granted": None,
            "source": "phone call",
        },
    )

    response = client.post(_add_url(CustomerConsent), data)

    assert response.status_code == 200
    assert "category" in response.context["adminform"].form.errors
    assert not ConsentRecord.objects.exists()


def test_customer_admin_add_goes_through_create(client, root):
    company = CustomerFactory().company
    page = client.get(_add_url(Customer))
    data = form_data(
        page.content.decode(),
        {"company": str(company.pk), "name": "鈴木 一郎", "phone": "03-1234-5678", "email": "Ichiro@Example.JP"},
    )

    response = client.post(_add_url(Customer), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    customer = Customer.objects.get(name="鈴木 一郎")
    assert (customer.company, customer.phone, customer.email) == (company, "0312345678", "ichiro@example.jp")
    assert AuditEntry.objects.filter(action="customer.create", actor=root, target_id=str(customer.pk)).exists()


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source messages; Japanese is the default language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
