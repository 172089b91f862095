"""Telemetry for another car (issue 12 point 6): a well-formed batch whose VIN is not the
credential's car is refused with 409, nothing is stored, and the car is flagged for its dealer
(was the DCM moved to another car?)."""

from __future__ import annotations

import pytest

from dealers.models import AuditEntry
from tests.factories import VehicleFactory
from tests.vehicles.test_telemetry_api import NOTHING, batch, dcm_client, post, reading, stored
from vehicles.models import TelemetryBatch, TelemetryReading, VehicleState

pytestmark = pytest.mark.django_db
OURS = "SB1ZS3JE60E282102"
THEIRS = "JTDKB20U093123456"


def _with_vin(vin: str, *readings: dict) -> dict:
    return {**batch(*readings), "vin": vin}


def test_a_japanese_car_learns_its_vin_from_its_first_batch_and_refuses_another():
    car = VehicleFactory(chassis_number="ZVW50-8012345")
    client = dcm_client(car)
    assert post(client, _with_vin(OURS, reading(minutes_ago=5, odometer_km=100)))[0] == 201
    before = stored(car)

    code, body = post(client, _with_vin(THEIRS, reading(minutes_ago=1, odometer_km=100, lamps=["mil"], dtcs_stored=["P0300"])))
    assert code == 409
    assert list(body) == ["vin"] and THEIRS in body["vin"][0]
    assert stored(car) == before  # no batch, reading, state change or warning
    assert VehicleState.objects.get(vehicle=car).vin == OURS
    car.refresh_from_db()
    assert car.dcm_vin_mismatch == THEIRS and car.dcm_vin_mismatch_at is not None
    assert AuditEntry.objects.filter(action="vehicle.dcm_vin_mismatch", target_id=str(car.pk)).count() == 1

    # Again: still refused, still one audit entry; the car's own VIN (or none) is accepted.
    assert post(client, _with_vin(THEIRS, reading(minutes_ago=0.5)))[0] == 409
    assert AuditEntry.objects.filter(action="vehicle.dcm_vin_mismatch").count() == 1
    assert post(client, _with_vin(OURS, reading(minutes_ago=0.4)))[0] == 201
    assert post(client, batch(reading(minutes_ago=0.3)))[0] == 201


def test_a_car_whose_chassis_number_is_a_vin_refuses_another_from_the_first_batch():
    car = VehicleFactory(chassis_number=OURS)
    client = dcm_client(car)
    code, _body = post(client, _with_vin(THEIRS, reading()))
    assert code == 409
    assert stored(car) == NOTHING
    # This car's rows only: transactional tests elsewhere may leave readings in the unmanaged table.
    assert not TelemetryBatch.objects.filter(vehicle=car).exists() and not TelemetryReading.objects.filter(vehicle=car).exists()
    car.refresh_from_db()
    assert car.dcm_vin_mismatch == THEIRS
    assert post(client, _with_vin(OURS, reading()))[0] == 201


def test_a_refused_batch_may_be_sent_again_once_the_vin_is_right():
    """The claim of its message id was rolled back with the rest: nothing blocks a corrected resend."""
    car = VehicleFactory(chassis_number=OURS)
    client = dcm_client(car)
    body = _with_vin(THEIRS, reading())
    assert post(client, body)[0] == 409
    assert post(client, {**body, "vin": OURS})[0] == 201


def test_the_vehicle_page_tells_the_dealer(cast_staff_client):
    client, car = cast_staff_client
    post(dcm_client(car), _with_vin(OURS, reading(minutes_ago=2)))
    post(dcm_client(car), _with_vin(THEIRS, reading(minutes_ago=1)))
    page = client.get(f"/vehicles/{car.pk}/").content.decode()
    assert THEIRS in page and "dcm-vin-mismatch" in page


@pytest.fixture
def cast_staff_client(client):
    from tests.auth import login_staff
    from tests.factories import StoreStaffFactory

    staff = StoreStaffFactory()
    car = VehicleFactory(company=staff.company, store=staff.store, chassis_number="ZVW50-8012399")
    login_staff(client, staff)
    return client, car
