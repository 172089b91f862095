"""The owner app's service history: own cars only, newest first, in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.test import Client

from tests.factories import StoreFactory, UserFactory, VehicleFactory
from vehicles.services.service_records import ItemInput, service_record_create

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/vehicles/{}/service-history/"


@pytest.fixture
def owners():
    store = StoreFactory()
    dave, erin = UserFactory(), UserFactory()
    car = VehicleFactory(company=store.company, store=store, first_registration_year=2015, shaken_expiry=dt.date(2026, 5, 31))
    car.customer.user = dave
    car.customer.save()
    other = VehicleFactory(company=store.company, store=store)
    other.customer.user = erin
    other.customer.save()
    service_record_create(vehicle=car, store=store, performed_on=dt.date(2025, 11, 2), items=[ItemInput("engine_oil")],
                          odometer_km=20_000, note="staff only")  # fmt: skip
    service_record_create(vehicle=car, store=store, performed_on=dt.date(2026, 4, 20),
                          items=[ItemInput("shaken"), ItemInput("other", label="ワイパーゴム交換")], odometer_km=31_000)  # fmt: skip
    return dave, erin, car, other


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_owner_gets_their_cars_history_newest_first(owners, django_assert_max_num_queries):
    dave, _erin, car, _other = owners
    client = client_for(dave)
    client.get(URL.format(car.pk))
    with django_assert_max_num_queries(6):  # session, user, the car, records, items (+ campaigns)
        response = client.get(URL.format(car.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    data = response.json()
    assert [r["performed_on"] for r in data] == ["2026-04-20", "2025-11-02"]
    assert [i["item"] for i in data[0]["items"]] == ["shaken", "other"]
    assert [i["name"] for i in data[0]["items"]] == ["Shaken", "ワイパーゴム交換"]
    assert data[0]["shaken_expiry"] == "2028-05-31" and data[1]["shaken_expiry"] is None
    assert data[0]["odometer_km"] == 31_000 and "note" not in data[1] and "staff only" not in response.content.decode()
    ja = client.get(URL.format(car.pk)).json()
    assert ja[0]["items"][0]["name"] == "車検"


def test_another_owners_car_is_a_404(owners):
    dave, erin, car, other = owners
    assert client_for(dave).get(URL.format(other.pk)).status_code == 404
    assert client_for(erin).get(URL.format(car.pk)).status_code == 404
    assert Client().get(URL.format(car.pk)).status_code in (401, 403)


def test_in_the_openapi_schema(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    operation = schema["paths"]["/api/v1/me/vehicles/{id}/service-history/"]["get"]
    items = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert items["type"] == "array"
    record = schema["components"]["schemas"][items["items"]["$ref"].rsplit("/", 1)[1]]
    assert {"performed_on", "store_name", "odometer_km", "items", "shaken_expiry"} <= set(record["properties"])
