"""API authentication: the owner app's session token, staff sessions, the DCM credential."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from dealers.models import Role
from tests.auth import app_login, login_staff
from tests.factories import (
    CallCenterAgentFactory,
    CompanyAdminFactory,
    CustomerFactory,
    PlatformAdminFactory,
    StoreStaffFactory,
    UserFactory,
    VehicleFactory,
)
from vehicles.services.credentials import credential_issue, credential_revoke_all

pytestmark = pytest.mark.django_db

STAFF_API = "/api/v1/vehicles/"
OWNER_API = "/api/v1/me/vehicles/"
DCM_API = "/api/v1/dcm/identity/"


@pytest.fixture
def owner():
    user = UserFactory(email="owner@example.jp")
    CustomerFactory(user=user)
    return user


@pytest.fixture
def owners_car(owner):
    return VehicleFactory(company=owner.customer.company, customer=owner.customer)


def _token(client, email) -> str:
    response = app_login(client, email)
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


def _vehicle_auth(token: str) -> dict:
    return {"Authorization": f"Vehicle {token}"}


# --- Owner app (allauth headless) ---------------------------------------------------------


def test_owner_logs_in_through_the_app_api_and_lists_own_cars(client, owner, owners_car):
    VehicleFactory()  # somebody else's car
    response = app_login(client, owner.email)
    body = response.json()
    assert response.status_code == 200
    assert body["meta"]["is_authenticated"] is True
    token = body["meta"]["session_token"]
    api = Client().get(OWNER_API, headers={"X-Session-Token": token})  # no cookies: the token alone
    assert api.status_code == 200
    assert [car["id"] for car in api.json()["results"]] == [owners_car.pk]
    assert api.json()["results"][0]["chassis_number"] == owners_car.chassis_number


def test_wrong_password_gives_no_token(client, owner):
    response = app_login(client, owner.email, "not-the-password")
    assert response.status_code == 400
    assert "session_token" not in response.json().get("meta", {})


def test_owner_api_refuses_missing_invalid_and_ended_tokens(client, owner, owners_car):
    assert Client().get(OWNER_API).status_code == 401
    assert Client().get(OWNER_API, headers={"X-Session-Token": "made-up"}).status_code == 401
    token = _token(client, owner.email)
    logout = Client().delete("/_allauth/app/v1/auth/session", headers={"X-Session-Token": token})
    assert logout.status_code == 401  # logged out: no user any more
    assert Client().get(OWNER_API, headers={"X-Session-Token": token}).status_code == 401


def test_owner_token_does_not_open_the_staff_api(client, owner, owners_car):
    token = _token(client, owner.email)
    assert Client().get(STAFF_API, headers={"X-Session-Token": token}).status_code == 403
    assert Client().get(f"{STAFF_API}{owners_car.pk}/", headers={"X-Session-Token": token}).status_code == 403


@pytest.mark.parametrize(
    "factory",
    [CompanyAdminFactory, StoreStaffFactory, CallCenterAgentFactory, PlatformAdminFactory],
    ids=["company_admin", "store_staff", "call_center", "platform_admin"],
)
def test_dealer_side_users_cannot_log_in_through_the_app_api(client, factory):
    user = factory(email="staff@example.jp")
    response = app_login(client, user.email)
    body = response.json()
    assert response.status_code == 403
    assert body["errors"][0]["code"] == "portal_only"
    assert "session_token" not in (body.get("meta") or {})
    # No session of that user is left behind in the session store either.
    assert not any(s.get_decoded().get("_auth_user_id") == str(user.pk) for s in Session.objects.all())
    assert not any("account_authentication_methods" in s.get_decoded() for s in Session.objects.all())


def test_a_token_that_ends_up_with_a_staff_user_is_refused_by_the_staff_api(client, owner, owners_car):
    token = _token(client, owner.email)
    # The account is later turned into dealer staff (no MFA was ever passed on that token).
    owner.role, owner.company = Role.COMPANY_ADMIN, owners_car.company
    owner.save(update_fields=["role", "company"])
    assert Client().get(STAFF_API, headers={"X-Session-Token": token}).status_code == 403


def test_staff_session_reaches_staff_api_but_not_owner_api(client, owners_car):
    alice = CompanyAdminFactory(company=owners_car.company)
    login_staff(client, alice)
    response = client.get(STAFF_API)
    assert response.status_code == 200
    assert [car["id"] for car in response.json()["results"]] == [owners_car.pk]
    assert client.get(OWNER_API).status_code == 403


def test_staff_api_list_query_count_is_pinned(client, django_assert_num_queries):
    alice = CompanyAdminFactory()
    for _ in range(5):
        VehicleFactory(company=alice.company)
    login_staff(client, alice)
    with django_assert_num_queries(3):  # session, user, vehicles page (store joined)
        response = client.get(STAFF_API)
    assert len(response.json()["results"]) == 5


# --- Vehicle (DCM) credential -------------------------------------------------------------


@pytest.fixture
def car():
    return VehicleFactory()


def test_valid_vehicle_credential_identifies_the_car(car):
    issued = credential_issue(vehicle=car)
    response = Client().get(DCM_API, headers=_vehicle_auth(issued.token))
    assert response.status_code == 200
    assert response.json() == {
        "vehicle_id": car.pk, "chassis_number": car.chassis_number, "key_id": issued.credential.key_id,
    }


@pytest.mark.parametrize("mangle", ["wrong_secret", "unknown_key", "no_secret", "garbage", "too_long"])
def test_bad_vehicle_credentials_are_401(car, mangle):
    issued = credential_issue(vehicle=car)
    key_id, secret = issued.token.split(".", 1)
    token = {
        "wrong_secret": f"{key_id}.{secret[:-2]}xx",
        "unknown_key": f"v0000000000000000.{secret}",
        "no_secret": key_id,
        "garbage": "not a token",
        "too_long": f"{key_id}.{'a' * 200}",
    }[mangle]
    response = Client().get(DCM_API, headers=_vehicle_auth(token))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Vehicle"


def test_revoked_vehicle_credential_is_401(car):
    issued = credential_issue(vehicle=car)
    credential_revoke_all(vehicle=car)
    assert Client().get(DCM_API, headers=_vehicle_auth(issued.token)).status_code == 401


def test_rotated_credential_works_until_the_grace_period_ends(car):
    start = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
    grace = settings.VEHICLE_CREDENTIAL_GRACE
    with time_machine.travel(start, tick=False):
        old = credential_issue(vehicle=car)
        new = credential_issue(vehicle=car)
        for token in (old.token, new.token):
            assert Client().get(DCM_API, headers=_vehicle_auth(token)).status_code == 200
    with time_machine.travel(start + grace - dt.timedelta(seconds=1), tick=False):
        assert Client().get(DCM_API, headers=_vehicle_auth(old.token)).status_code == 200
    with time_machine.travel(start + grace + dt.timedelta(seconds=1), tick=False):
        assert Client().get(DCM_API, headers=_vehicle_auth(old.token)).status_code == 401
        response = Client().get(DCM_API, headers=_vehicle_auth(new.token))
        assert response.status_code == 200
        assert response.json()["key_id"] == new.credential.key_id


def test_vehicle_credential_cannot_reach_staff_or_owner_endpoints(car):
    issued = credential_issue(vehicle=car)
    for path in (STAFF_API, f"{STAFF_API}{car.pk}/", OWNER_API):
        assert Client().get(path, headers=_vehicle_auth(issued.token)).status_code == 403, path


def test_people_cannot_use_the_dcm_endpoint(client, owner, car):
    token = _token(client, owner.email)
    assert Client().get(DCM_API, headers={"X-Session-Token": token}).status_code == 403
    alice = CompanyAdminFactory(company=car.company)
    login_staff(client, alice)
    assert client.get(DCM_API).status_code == 403
