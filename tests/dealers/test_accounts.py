"""Portal accounts: login with TOTP, forced TOTP set-up, the MFA session flag, roles' reach."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core import mail

from dealers.middleware import MFA_SESSION_KEY
from dealers.models import AuditEntry
from tests.auth import PASSWORD, login_staff, totp_activate, totp_code
from tests.factories import (
    CallCenterAgentFactory,
    CompanyAdminFactory,
    CustomerFactory,
    PlatformAdminFactory,
    StoreFactory,
    StoreStaffFactory,
    UserFactory,
    VehicleFactory,
)
from vehicles.selectors.vehicles import vehicles_for_followup

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    """Company admin of company A, with TOTP."""
    user = CompanyAdminFactory(email="alice@example.jp")
    totp_activate(user)
    return user


@pytest.fixture
def vehicle(alice):
    store = StoreFactory(company=alice.company)
    return VehicleFactory(company=alice.company, store=store)


def _password_login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


# --- Login pages --------------------------------------------------------------------------


def test_login_page_is_japanese_first_with_labelled_fields(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert "<title>サインイン | T-Connect</title>" in html
    assert 'for="id_login"' in html
    assert 'for="id_password"' in html
    assert 'href="/accounts/password/reset/"' in html


def test_login_page_in_english_when_asked(client):
    response = client.get("/accounts/login/", headers={"accept-language": "en"})
    assert '<html lang="en">' in response.content.decode()
    assert "Sign In" in response.content.decode()


def test_signup_is_closed(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert "販売会社管理者から招待されます" in response.content.decode()


def test_login_error_is_shown_as_alert(client, alice):
    response = _password_login(client, alice.email, "wrong-password")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert client.get("/").status_code == 302


# --- Login with TOTP ----------------------------------------------------------------------


def test_staff_with_totp_passes_the_code_step_then_sees_the_portal(client, alice, vehicle):
    response = _password_login(client, alice.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # The password alone does not log in.
    assert client.get("/vehicles/")["Location"].startswith("/accounts/login/")
    page = client.get("/accounts/2fa/authenticate/")
    assert page.status_code == 200
    assert 'for="id_code"' in page.content.decode()

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(f"/vehicles/{vehicle.pk}/").status_code == 200
    assert client.session[MFA_SESSION_KEY] is True


def test_wrong_totp_code_keeps_the_user_out(client, alice):
    _password_login(client, alice.email)
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000" if totp_code() != "000000" else "111111"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_recovery_code_is_a_second_factor(client, alice, vehicle):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes.activate(alice).get_unused_codes()
    _password_login(client, alice.email)
    response = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert response["Location"] == "/"
    assert client.get(f"/vehicles/{vehicle.pk}/").status_code == 200


# --- Staff without TOTP -------------------------------------------------------------------


# Real commits: allauth reports the new authenticator from transaction.on_commit, inside the
# activation request, and the receiver marks that request's session.
@pytest.mark.django_db(transaction=True)
def test_staff_without_totp_must_set_it_up_and_sees_no_customer_data(client, vehicle):
    bob = StoreStaffFactory(store=vehicle.store, email="bob@example.jp")
    response = _password_login(client, bob.email)
    assert response["Location"] == "/"
    for path in ("/", "/vehicles/", f"/vehicles/{vehicle.pk}/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    api = client.get("/api/v1/vehicles/")
    assert api.status_code == 403
    assert api.json()["detail"]
    assert not AuditEntry.objects.filter(action="vehicle.view").exists()
    assert MFA_SESSION_KEY not in client.session

    # allauth asks for the password again before TOTP can be added.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert "QR" in page.content.decode()
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=bob, type=Authenticator.Type.TOTP).exists()
    codes_page = client.get("/accounts/2fa/recovery-codes/")
    assert codes_page.status_code == 200
    assert 'href="/"' in codes_page.content.decode()
    # Activation proved both factors in this session: straight to the portal.
    assert client.get(f"/vehicles/{vehicle.pk}/").status_code == 200
    assert client.get("/api/v1/vehicles/").status_code == 200


def test_staff_cannot_remove_their_totp(alice):
    totp = Authenticator.objects.get(user=alice, type=Authenticator.Type.TOTP)
    assert get_mfa_adapter().can_delete_authenticator(totp) is False
    owner = UserFactory()
    owner_totp = totp_activate(owner)
    assert get_mfa_adapter().can_delete_authenticator(owner_totp) is True


def test_deactivate_page_refuses_staff(client, alice):
    _password_login(client, alice.email)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})  # allauth asks before removal
    page = client.get("/accounts/2fa/totp/deactivate/")
    assert "プラットフォーム管理者" in page.content.decode()
    response = client.post("/accounts/2fa/totp/deactivate/", {})
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).exists()


# --- The MFA session flag -----------------------------------------------------------------


def test_staff_with_totp_who_skipped_the_second_factor_is_sent_to_enter_a_code(client, alice, vehicle):
    # force_login stands for any way into a session that did not pass allauth's MFA stage.
    client.force_login(alice)
    response = client.get(f"/vehicles/{vehicle.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/2fa/reauthenticate/?next=%2Fvehicles%2F{vehicle.pk}%2F"
    assert client.get("/api/v1/vehicles/").status_code == 403
    assert client.get(f"/api/v1/vehicles/{vehicle.pk}/").status_code == 403
    assert MFA_SESSION_KEY not in client.session
    assert not AuditEntry.objects.filter(action="vehicle.view").exists()

    page = client.get(response["Location"])
    assert page.status_code == 200
    response = client.post(
        "/accounts/2fa/reauthenticate/", {"code": totp_code(), "next": f"/vehicles/{vehicle.pk}/"}
    )
    assert response["Location"] == f"/vehicles/{vehicle.pk}/"
    assert client.get(f"/vehicles/{vehicle.pk}/").status_code == 200
    assert client.session[MFA_SESSION_KEY] is True


def test_password_reset_auto_login_does_not_skip_totp(client, settings, alice):
    settings.ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
    client.post("/accounts/password/reset/", {"email": alice.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    set_password_url = client.get(link)["Location"]
    page = client.get(set_password_url)
    assert page.status_code == 200
    response = client.post(set_password_url, {"password1": "Fresh-Secret-2026", "password2": "Fresh-Secret-2026"})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/vehicles/")["Location"].startswith("/accounts/login/")
    assert MFA_SESSION_KEY not in client.session


def test_flag_of_one_user_does_not_carry_over_to_another(client, alice, vehicle):
    login_staff(client, alice)
    assert client.get(f"/vehicles/{vehicle.pk}/").status_code == 200
    other = CompanyAdminFactory(company=alice.company)
    totp_activate(other)
    client.force_login(other)  # a different user: Django flushes the session
    assert MFA_SESSION_KEY not in client.session
    assert client.get(f"/vehicles/{vehicle.pk}/").status_code == 302


def test_logout_ends_the_flag(client, alice):
    login_staff(client, alice)
    client.post("/accounts/logout/")
    assert MFA_SESSION_KEY not in client.session
    assert client.get("/")["Location"].startswith("/accounts/login/")


# --- Roles' reach on portal pages ---------------------------------------------------------


@pytest.mark.parametrize("factory", [UserFactory, PlatformAdminFactory], ids=["owner", "platform_admin"])
def test_owner_and_platform_admin_get_404_on_portal_pages(client, factory, vehicle):
    user = factory()
    if user.requires_second_factor:  # the platform admin, past TOTP: still no portal pages
        login_staff(client, user)
    else:
        client.force_login(user)
    for path in ("/vehicles/", f"/vehicles/{vehicle.pk}/", "/staff/", "/staff/invite/"):
        assert client.get(path).status_code == 404, path


def test_call_center_agent_sees_no_vehicle_pages_but_has_a_followup_scope(client, vehicle):
    carol = CallCenterAgentFactory()
    carol.desk.companies.add(vehicle.company)
    login_staff(client, carol)
    for path in ("/vehicles/", f"/vehicles/{vehicle.pk}/", "/api/v1/vehicles/", f"/api/v1/vehicles/{vehicle.pk}/"):
        assert client.get(path).status_code == 404, path
    other_company_vehicle = VehicleFactory()
    assert list(vehicles_for_followup(carol)) == [vehicle]
    assert other_company_vehicle not in vehicles_for_followup(carol)


def test_followup_scope_of_store_staff_is_their_store(vehicle):
    bob = StoreStaffFactory(store=vehicle.store)
    VehicleFactory(company=vehicle.company, store=StoreFactory(company=vehicle.company))
    assert list(vehicles_for_followup(bob)) == [vehicle]


def test_store_staff_sees_only_own_store_vehicles_on_the_list(client, vehicle):
    bob = StoreStaffFactory(store=vehicle.store)
    other = VehicleFactory(company=vehicle.company, store=StoreFactory(company=vehicle.company))
    login_staff(client, bob)
    html = client.get("/vehicles/").content.decode()
    assert vehicle.chassis_number in html
    assert other.chassis_number not in html
    assert client.get(f"/vehicles/{other.pk}/").status_code == 404


def test_vehicle_detail_view_is_audited(client, alice, vehicle):
    vehicle.customer = CustomerFactory(company=alice.company)
    vehicle.save()
    login_staff(client, alice)
    assert client.get(f"/vehicles/{vehicle.pk}/").status_code == 200
    entry = AuditEntry.objects.get(action="vehicle.view")
    assert (entry.actor, entry.target_id) == (alice, str(vehicle.pk))


# --- Every account page sits in the portal frame -------------------------------------------


def test_account_and_mfa_pages_render_in_the_portal_frame(client, alice):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(alice)
    _password_login(client, alice.email)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    pages = [
        "/accounts/2fa/", "/accounts/2fa/recovery-codes/", "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/reauthenticate/", "/accounts/reauthenticate/", "/accounts/password/change/",
        "/accounts/logout/", "/accounts/email/",
    ]
    for path in pages:
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert '<html lang="ja">' in html and 'href="#main"' in html, path
    index = client.get("/accounts/2fa/").content.decode()
    assert "/accounts/2fa/totp/deactivate/" not in index  # staff cannot turn TOTP off
    codes = client.get("/accounts/2fa/recovery-codes/").content.decode()
    assert 'for="recovery_codes"' in codes


def test_anonymous_account_pages_render(client):
    for path in ("/accounts/password/reset/", "/accounts/password/reset/done/", "/accounts/inactive/",
                 "/accounts/password/reset/key/1-bad-key/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="ja">' in response.content.decode(), path
