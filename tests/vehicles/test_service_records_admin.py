"""The admin adds a visit through the service: the same refusals, the expiry rolled forward,
the pending notices cancelled, audited; records are read-only history there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dealers.models import AuditEntry
from tests.adminform import form_data
from tests.auth import login_staff
from tests.factories import StoreFactory, VehicleFactory
from vehicles.models import ServiceRecord, ServiceRecordSource, ShakenExpirySource
from vehicles.parsing.shaken import next_expiry

pytestmark = pytest.mark.django_db
ADD = "admin:vehicles_servicerecord_add"


@pytest.fixture
def root(client, django_user_model):
    user = django_user_model.objects.create_superuser("root@tconnect.example.jp", "pw-for-tests-123")
    login_staff(client, user)
    return user


def submit(client, changes):
    url = reverse(ADD)
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, form_data(page.content.decode(), changes))


def test_an_admin_records_a_shaken_through_the_service(client, root):
    store = StoreFactory()
    old = timezone.localdate() + dt.timedelta(days=30)
    car = VehicleFactory(company=store.company, store=store, shaken_expiry=old, first_registration_year=2015)
    today = timezone.localdate()
    response = submit(client, {"vehicle": str(car.pk), "store": str(store.pk), "performed_on": today.isoformat(),
                               "odometer_km": "52000", "work": ["shaken", "engine_oil"]})  # fmt: skip
    assert response.status_code == 302
    record = ServiceRecord.objects.get(vehicle=car)
    assert (record.source, record.recorded_by, record.odometer_km) == (ServiceRecordSource.ADMIN, root, 52000)
    assert sorted(record.items.values_list("item", flat=True)) == ["engine_oil", "shaken"]
    car.refresh_from_db()
    assert car.shaken_expiry == next_expiry(current_expiry=old, inspected_on=today, years=2)
    assert car.shaken_expiry_source == ShakenExpirySource.SERVICE_RECORD
    assert AuditEntry.objects.filter(action="service_record.create", target_id=str(record.pk)).exists()
    change = client.get(reverse("admin:vehicles_servicerecord_change", args=[record.pk]))
    assert change.status_code == 200 and 'name="performed_on"' not in change.content.decode()


def test_a_refusal_is_shown_on_the_form_and_nothing_is_written(client, root):
    store = StoreFactory()
    car = VehicleFactory(company=store.company, store=store)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = submit(client, {"vehicle": str(car.pk), "store": str(store.pk), "performed_on": tomorrow.isoformat(),
                               "work": ["tyres"]})  # fmt: skip
    assert response.status_code == 200 and "errornote" in response.content.decode()
    none = submit(client, {"vehicle": str(car.pk), "store": str(store.pk), "performed_on": timezone.localdate().isoformat()})
    assert none.status_code == 200
    assert not ServiceRecord.objects.exists()
