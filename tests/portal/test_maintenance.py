"""The maintenance menu page (company admins edit, store staff read) and the vehicle page's
"next due" panel; next due in the health report API (issue 11 §3, §4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dealers.models import AuditEntry
from tests.factories import UserFactory
from tests.portal.conftest import plated_vehicle
from vehicles.models import MaintenanceDue, MaintenanceItem, VehicleMaintenance
from vehicles.services.maintenance import menus_ensure

pytestmark = pytest.mark.django_db

FORM = {"name_ja": "エンジンオイル", "name_en": "Engine oil", "interval_km": "10000", "interval_months": "6",
        "severe_interval_km": "5000", "severe_interval_months": "3", "active": "on", "position": "1"}


def test_the_menu_starts_with_the_defaults_and_a_company_admin_edits_it(cast, as_alice):
    response = as_alice.get("/vehicles/maintenance/")
    assert response.status_code == 200
    codes = [item.code for item in response.context["items"]]
    assert codes == ["engine_oil", "oil_filter", "brake_fluid", "battery_12v"]
    oil = MaintenanceItem.objects.get(company=cast.company, code="engine_oil")
    assert as_alice.get(f"/vehicles/maintenance/{oil.pk}/").status_code == 200

    response = as_alice.post(f"/vehicles/maintenance/{oil.pk}/", {**FORM, "code": "something_else"})

    assert response.status_code == 302
    oil.refresh_from_db()
    assert (oil.code, oil.interval_km, oil.interval_months, oil.severe_interval_km) == ("engine_oil", 10_000, 6, 5_000)
    assert AuditEntry.objects.filter(action="maintenance_item.save", company=cast.company).count() == 1
    assert "10000" in as_alice.get("/vehicles/maintenance/").content.decode()


def test_an_admin_adds_an_item(cast, as_alice):
    response = as_alice.post("/vehicles/maintenance/new/", {**FORM, "code": "tyres", "name_ja": "タイヤ", "name_en": "Tyres",
                                                             "interval_months": "", "severe_interval_months": ""})
    assert response.status_code == 302
    tyres = MaintenanceItem.objects.get(company=cast.company, code="tyres")
    assert (tyres.interval_km, tyres.interval_months) == (10_000, None)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"interval_km": "", "interval_months": ""}, None), ({"interval_km": "10"}, "interval_km"),
     ({"interval_months": "abc"}, "interval_months"), ({"name_ja": ""}, "name_ja")],
)
def test_bad_input_is_a_form_error_and_nothing_changes(cast, as_alice, change, field):
    menus_ensure()
    oil = MaintenanceItem.objects.get(company=cast.company, code="engine_oil")
    response = as_alice.post(f"/vehicles/maintenance/{oil.pk}/", {**FORM, **change})
    assert response.status_code == 400
    form = response.context["form"]
    assert (field in form.errors) if field else form.non_field_errors()
    oil.refresh_from_db()
    assert oil.interval_km == 15_000


def test_store_staff_read_the_menu_but_cannot_change_it(cast, as_bob):
    menus_ensure()
    oil = MaintenanceItem.objects.get(company=cast.company, code="engine_oil")
    page = as_bob.get(f"/vehicles/maintenance/{oil.pk}/")
    assert page.status_code == 200 and all(f.disabled for f in page.context["form"].fields.values())
    assert as_bob.post(f"/vehicles/maintenance/{oil.pk}/", FORM).status_code == 404
    assert as_bob.get("/vehicles/maintenance/new/").status_code == 404
    oil.refresh_from_db()
    assert oil.interval_km == 15_000


def test_outsiders_and_the_call_center_get_404(cast, as_charlie, as_carol):
    menus_ensure()
    oil = MaintenanceItem.objects.get(company=cast.company, code="engine_oil")
    assert as_charlie.get(f"/vehicles/maintenance/{oil.pk}/").status_code == 404
    assert as_charlie.post(f"/vehicles/maintenance/{oil.pk}/", FORM).status_code == 404
    assert as_carol.get("/vehicles/maintenance/").status_code == 404


def _due(car, code: str, days: int, basis: str = "distance"):
    item = MaintenanceItem.objects.get(company=car.company, code=code)
    today = timezone.localdate()
    return MaintenanceDue.objects.create(vehicle=car, item=item, due_on=today + dt.timedelta(days=days), basis=basis,
                                         due_km=30_000, anchor="record", anchor_on=today - dt.timedelta(days=200),
                                         anchor_km=15_000, refreshed_on=today)


def test_the_vehicle_page_shows_next_due_with_how_and_state(cast, as_alice):
    menus_ensure()
    today = timezone.localdate()
    car = plated_vehicle(store=cast.store1, shaken_expiry=today + dt.timedelta(days=200), first_registration_year=2020,
                         first_registration_month=today.month)
    VehicleMaintenance.objects.create(vehicle=car, basis="ok", km_per_day="42.5", odometer_km=29_000,
                                      odometer_reset_flagged=True, odometer_reset_at=timezone.now())
    _due(car, "engine_oil", 10)
    _due(car, "brake_fluid", -2, basis="time")

    response = as_alice.get(f"/vehicles/{car.pk}/")

    rows = response.context["next_due"]
    assert [row.code for row in rows] == ["shaken", "periodic", "brake_fluid", "engine_oil"]
    assert [row.state for row in rows] == ["ok", "due_soon", "overdue", "due_soon"]
    assert rows[1].due_on == today.replace(day=1)
    assert "42.5" in rows[3].how
    html = response.content.decode()
    assert 'data-code="engine_oil"' in html and "42.5" in html
    assert response.context["pace"].odometer_reset_flagged


def test_next_due_in_the_owners_health_report(cast):
    menus_ensure()
    owner = UserFactory()
    car = plated_vehicle(store=cast.store1, shaken_expiry=dt.date(2027, 5, 31))
    car.customer.user = owner
    car.customer.save()
    _due(car, "engine_oil", 5)
    client = Client()
    client.force_login(owner)
    body = client.get(f"/api/v1/me/vehicles/{car.pk}/health/", HTTP_ACCEPT_LANGUAGE="en").json()
    rows = [row for row in body["next_due"] if row["code"] != "periodic"]
    assert [(row["code"], row["state"]) for row in rows] == [("shaken", "ok"), ("engine_oil", "due_soon")]
    assert rows[1]["due_km"] == 30_000 and rows[1]["name"] == "Engine oil"


def test_next_due_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    props = schema["components"]["schemas"]["HealthReportOut"]["properties"]
    assert props["next_due"]["type"] == "array"
