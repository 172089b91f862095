"""Staff invitations, the /staff/ pages and deactivation (cast: alice admin of A, bob store
staff of A, carol call-center agent serving A, charlie admin of company B)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dealers.models import AuditEntry, Invitation, Role, User
from dealers.services.staff import InvitationNotOpen, invitation_accept, staff_deactivate, staff_invite
from tests.auth import PASSWORD, login_staff
from tests.factories import (
    CallCenterAgentFactory,
    CompanyAdminFactory,
    InvitationFactory,
    StoreFactory,
    StoreStaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Sakura-Mochi-2026"


@pytest.fixture
def alice():
    return CompanyAdminFactory(email="alice@example.jp", name="有村 アリス")


@pytest.fixture
def store(alice):
    return StoreFactory(company=alice.company)


@pytest.fixture
def bob(store):
    return StoreStaffFactory(store=store, email="bob@example.jp")


@pytest.fixture
def charlie():
    return CompanyAdminFactory(email="charlie@example.jp")


@pytest.fixture
def as_alice(client, alice):
    login_staff(client, alice)
    return client


def _invite(client, **data):
    return client.post("/staff/invite/", data)


# --- Inviting -----------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False)
def test_company_admin_invites_store_staff_and_the_mail_carries_the_link(
    as_alice, alice, store, django_capture_on_commit_callbacks
):
    page = as_alice.get("/staff/invite/")
    assert page.status_code == 200
    assert 'for="id_email"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(as_alice, email="  New.Member@Example.JP ", role=Role.STORE_STAFF, store=store.pk)
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.store, invitation.company) == (
        "new.member@example.jp", Role.STORE_STAFF, store, alice.company,
    )
    assert invitation.invited_by == alice
    assert invitation.expires_at == timezone.now() + dt.timedelta(days=7)
    [message] = mail.outbox
    assert message.to == ["new.member@example.jp"]
    link = f"{settings.SITE_URL}/invite/{invitation.token}/"
    assert link in message.body
    # Japanese part first, English part second (same template, two languages).
    assert message.body.count(link) == 2
    assert "----------" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert html.index('lang="ja"') < html.index('lang="en"')
    assert f'href="{link}"' in html
    assert alice.company.name in message.subject
    entry = AuditEntry.objects.get(action="staff.invite")
    assert (entry.actor, entry.company, entry.target_id) == (alice, alice.company, str(invitation.pk))
    listing = as_alice.get("/staff/").content.decode()
    assert "new.member@example.jp" in listing


def test_a_failing_mail_server_does_not_break_the_invite(
    as_alice, store, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    import smtplib

    from django.core.mail import EmailMultiAlternatives

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPException("server said no")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(as_alice, email="n@example.jp", role=Role.STORE_STAFF, store=store.pk)
    assert response.status_code == 302
    assert Invitation.objects.filter(email="n@example.jp").exists()
    assert "server said no" in caplog.text


def test_company_admin_invitation_gets_no_store(as_alice, store):
    _invite(as_alice, email="boss@example.jp", role=Role.COMPANY_ADMIN, store=store.pk)
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.store) == (Role.COMPANY_ADMIN, None)


def test_store_of_another_company_is_a_form_error(as_alice, charlie):
    foreign_store = StoreFactory(company=charlie.company)
    response = _invite(as_alice, email="x@example.jp", role=Role.STORE_STAFF, store=foreign_store.pk)
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_store_staff_need_a_store(as_alice):
    response = _invite(as_alice, email="x@example.jp", role=Role.STORE_STAFF, store="")
    assert response.status_code == 200
    assert response.context["form"].errors["store"]
    assert not Invitation.objects.exists()


def test_an_address_with_an_account_cannot_be_invited(as_alice, store, charlie):
    response = _invite(as_alice, email="CHARLIE@example.jp", role=Role.STORE_STAFF, store=store.pk)
    assert response.context["form"].errors["email"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b"])
def test_service_refuses_bad_addresses(alice, store, email):
    with pytest.raises(ValidationError) as error:
        staff_invite(company=alice.company, email=email, role=Role.STORE_STAFF, store=store, invited_by=alice)
    assert "email" in error.value.message_dict
    assert not Invitation.objects.exists()


def test_inviting_again_ends_the_earlier_link(alice, store):
    first = staff_invite(company=alice.company, email="dup@example.jp", role=Role.STORE_STAFF, store=store, invited_by=alice)
    second = staff_invite(company=alice.company, email="dup@example.jp", role=Role.STORE_STAFF, store=store, invited_by=alice)
    first.refresh_from_db()
    assert first.expires_at <= timezone.now() < second.expires_at
    with pytest.raises(InvitationNotOpen):
        invitation_accept(token=first.token, password=NEW_PASSWORD, name="Dup")


def test_only_an_admin_of_the_company_may_invite(alice, store, bob, charlie):
    for inviter in (bob, charlie):
        with pytest.raises(PermissionDenied):
            staff_invite(company=alice.company, email="x@example.jp", role=Role.STORE_STAFF, store=store, invited_by=inviter)


def test_store_must_belong_to_the_company_in_the_service_too(alice, charlie):
    foreign_store = StoreFactory(company=charlie.company)
    with pytest.raises(ValidationError) as error:
        staff_invite(
            company=alice.company, email="x@example.jp", role=Role.STORE_STAFF, store=foreign_store, invited_by=alice
        )
    assert "store" in error.value.message_dict


# --- Who reaches the staff pages ----------------------------------------------------------


def test_staff_pages_are_404_for_everyone_but_company_admins(client, bob, store):
    carol = CallCenterAgentFactory()
    carol.desk.companies.add(store.company)
    invitation = InvitationFactory(company=store.company, store=store)
    for user in (bob, carol):
        login_staff(client, user)
        for path in ("/staff/", "/staff/invite/", f"/staff/{bob.pk}/deactivate/",
                     f"/staff/invitations/{invitation.pk}/revoke/"):
            assert client.get(path).status_code == 404, (user.role, path)
            assert client.post(path).status_code == 404, (user.role, path)
    client.force_login(UserFactory())  # an owner
    assert client.get("/staff/").status_code == 404


def test_staff_list_shows_own_company_only_with_pinned_queries(
    as_alice, alice, bob, store, charlie, django_assert_num_queries
):
    for n in range(3):
        StoreStaffFactory(store=store, email=f"staff{n}@example.jp")
        InvitationFactory(company=alice.company, store=store, invited_by=alice)
    StoreStaffFactory(store=StoreFactory(company=charlie.company), email="outsider-staff@example.jp")
    InvitationFactory(company=charlie.company, email="outsider-invite@example.jp")
    expired = InvitationFactory(company=alice.company, store=store, expires_at=timezone.now() - dt.timedelta(seconds=1))
    # session, user, company; staff; invitations (+ the page's own nothing else)
    with django_assert_num_queries(5):
        response = as_alice.get("/staff/")
    html = response.content.decode()
    assert bob.email in html and "staff2@example.jp" in html
    assert "outsider-staff@example.jp" not in html and "outsider-invite@example.jp" not in html
    assert charlie.email not in html
    assert expired.email not in html


# --- Accepting ----------------------------------------------------------------------------


def test_accepting_creates_the_account_logs_in_and_goes_to_totp_setup(client, store, alice):
    invitation = InvitationFactory(company=alice.company, store=store, invited_by=alice, email="new@example.jp")
    page = client.get(f"/invite/{invitation.token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert alice.company.name in html and 'for="id_password"' in html
    response = client.post(
        f"/invite/{invitation.token}/",
        {"name": "新井 花子", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    user = User.objects.get(email="new@example.jp")
    assert (user.name, user.role, user.company, user.store) == ("新井 花子", Role.STORE_STAFF, alice.company, store)
    assert user.check_password(NEW_PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert set(AuditEntry.objects.filter(actor=user).values_list("action", flat=True)) == {
        "invitation.accept", "staff.join",
    }
    # Logged in as the new member; the password just set counts, so TOTP set-up opens directly.
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    # …and nothing else until TOTP exists.
    assert client.get("/vehicles/")["Location"].startswith("/accounts/2fa/totp/activate/")
    # The link works once.
    client.post("/accounts/logout/")
    assert client.get(f"/invite/{invitation.token}/").status_code == 410


def test_weak_password_errors_are_shown_and_nothing_is_created(client):
    invitation = InvitationFactory()
    response = client.post(f"/invite/{invitation.token}/", {"name": "Hanako", "password": "12345", "password_confirm": "12345"})
    assert response.status_code == 200
    errors = response.context["form"].errors["password"]
    assert len(errors) >= 2  # too short, too common, entirely numeric
    assert 'aria-invalid="true"' in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()
    assert Invitation.objects.get().accepted_at is None


def test_passwords_must_match(client):
    invitation = InvitationFactory()
    response = client.post(
        f"/invite/{invitation.token}/", {"name": "Hanako", "password": NEW_PASSWORD, "password_confirm": "other-Pass-99"}
    )
    assert response.context["form"].errors["password_confirm"]
    assert not User.objects.filter(email=invitation.email).exists()


def test_unknown_link_is_404_page(client):
    response = client.get("/invite/not-a-real-token/")
    assert response.status_code == 404
    assert "リンク全体をコピー" in response.content.decode()
    assert client.post("/invite/not-a-real-token/", {"name": "x"}).status_code == 404


def test_expired_link_is_410_page_and_cannot_be_accepted(client):
    invitation = InvitationFactory()
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, seconds=1)):
        assert client.get(f"/invite/{invitation.token}/").status_code == 410
        response = client.post(
            f"/invite/{invitation.token}/", {"name": "Late", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        )
        assert response.status_code == 410
        assert "期限切れ" in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


def test_address_that_got_an_account_meanwhile_is_refused_without_500(client):
    invitation = InvitationFactory()
    UserFactory(email=invitation.email)
    response = client.post(
        f"/invite/{invitation.token}/", {"name": "Twice", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.parametrize(("state", "reason"), [("accepted", "used"), ("expired", "expired"), ("unknown", "unknown")])
def test_accept_service_refuses_dead_links(state, reason):
    invitation = InvitationFactory()
    token = invitation.token
    if state == "accepted":
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    elif state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    else:
        token = "x" * 43
    with pytest.raises(InvitationNotOpen) as error:
        invitation_accept(token=token, password=NEW_PASSWORD, name="Someone")
    assert error.value.reason == reason


def test_accept_service_requires_a_name():
    invitation = InvitationFactory()
    with pytest.raises(ValidationError) as error:
        invitation_accept(token=invitation.token, password=NEW_PASSWORD, name="   ")
    assert "name" in error.value.message_dict


# --- Withdrawing and deactivating ---------------------------------------------------------


def test_admin_withdraws_an_invitation(as_alice, alice, store):
    invitation = InvitationFactory(company=alice.company, store=store)
    assert as_alice.get(f"/staff/invitations/{invitation.pk}/revoke/").status_code == 405
    assert as_alice.post(f"/staff/invitations/{invitation.pk}/revoke/")["Location"] == "/staff/"
    assert as_alice.get(f"/invite/{invitation.token}/").status_code == 410
    assert AuditEntry.objects.filter(action="invitation.revoke", target_id=str(invitation.pk)).exists()


def test_admin_deactivates_a_staff_member_who_is_then_signed_out(client, as_alice, alice, bob):
    from django.test import Client

    bobs_client = Client()
    login_staff(bobs_client, bob)
    assert bobs_client.get("/vehicles/").status_code == 200
    assert as_alice.get(f"/staff/{bob.pk}/deactivate/").status_code == 405
    response = as_alice.post(f"/staff/{bob.pk}/deactivate/")
    assert response["Location"] == "/staff/"
    bob.refresh_from_db()
    assert bob.is_active is False
    entry = AuditEntry.objects.get(action="staff.deactivate")
    assert (entry.actor, entry.target_id, entry.company) == (alice, str(bob.pk), alice.company)
    assert bobs_client.get("/")["Location"].startswith("/accounts/login/")
    bobs_client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    assert bobs_client.get("/")["Location"].startswith("/accounts/login/")


def test_admin_cannot_deactivate_themselves_or_outsiders(as_alice, alice, charlie):
    as_alice.post(f"/staff/{alice.pk}/deactivate/")
    alice.refresh_from_db()
    assert alice.is_active
    assert as_alice.post(f"/staff/{charlie.pk}/deactivate/").status_code == 404
    charlie.refresh_from_db()
    assert charlie.is_active
    with pytest.raises(PermissionDenied):
        staff_deactivate(member=charlie, actor=alice)
    with pytest.raises(ValidationError):
        staff_deactivate(member=alice, actor=alice)
    assert not AuditEntry.objects.filter(action="staff.deactivate").exists()
