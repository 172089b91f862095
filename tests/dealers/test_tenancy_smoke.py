import pytest

from tests.factories import CompanyAdminFactory, StoreFactory, StoreStaffFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def test_outsider_gets_404_for_vehicle_in_api(client):
    vehicle = VehicleFactory()
    outsider = CompanyAdminFactory()
    client.force_login(outsider)
    session = client.session
    session["mfa_ok"] = True
    session.save()
    assert client.get(f"/api/v1/vehicles/{vehicle.pk}/").status_code == 404
    insider = CompanyAdminFactory(company=vehicle.company)
    client.force_login(insider)
    session = client.session
    session["mfa_ok"] = True
    session.save()
    assert client.get(f"/api/v1/vehicles/{vehicle.pk}/").status_code == 200


def test_store_staff_sees_only_own_store():
    store = StoreFactory()
    other = StoreFactory(company=store.company)
    staff = StoreStaffFactory(store=store)
    mine = VehicleFactory(company=store.company, store=store)
    VehicleFactory(company=store.company, store=other)
    from vehicles.selectors.vehicles import vehicles_for_staff

    assert list(vehicles_for_staff(staff)) == [mine]
