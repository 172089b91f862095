"""Django admin: every page loads for a platform admin, lists do not grow queries with rows,
search finds vehicles the ways staff type them, and the audit log cannot be edited."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.db.models import CompositePrimaryKey
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealers.models import (
    AuditEntry,
    CalendarException,
    CallCenterDesk,
    ClosingRule,
    DealerCompany,
    Invitation,
    Role,
    Store,
    User,
)
from dealers.services.audit import audit_record
from tests.auth import login_staff, totp_activate, totp_code
from tests.factories import (
    CallCenterDeskFactory,
    CompanyAdminFactory,
    ContractFactory,
    CustomerFactory,
    StoreFactory,
    StoreStaffFactory,
    VehicleFactory,
)
from vehicles.models import (
    ConsentRecord,
    Contract,
    Customer,
    CustomerConsent,
    Equipment,
    RecallCampaign,
    RecallRange,
    RecallTarget,
    ServiceAvailability,
    StoreRegistration,
    Vehicle,
    VehicleCredential,
)
from vehicles.services import consent_set, vehicle_register_store
from vehicles.services.credentials import credential_issue

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


@pytest.fixture
def platform_admin():
    return User.objects.create_superuser("root@tconnect.example.jp", "pw-for-tests-123")


@pytest.fixture
def admin_client(client, platform_admin):
    login_staff(client, platform_admin)  # with TOTP, like every admin session
    return client


def populate(n: int) -> None:
    """n rows of every dealers and vehicles model, linked the way real data is."""
    for _ in range(n):
        i = next(_serial)
        store = StoreFactory()
        company = store.company
        ClosingRule.objects.create(store=store, weekday=0)
        CalendarException.objects.create(store=store, starts_on=dt.date(2026, 8, 13), ends_on=dt.date(2026, 8, 16))
        desk = CallCenterDeskFactory()
        desk.companies.add(company)
        staff = StoreStaffFactory(store=store)
        Invitation.objects.create(
            company=company,
            email=f"new{i}@dealer.example.jp",
            role=Role.STORE_STAFF,
            store=store,
            invited_by=staff,
            expires_at=timezone.now() + dt.timedelta(days=7),
        )
        vehicle = VehicleFactory(company=company)
        ContractFactory(vehicle=vehicle)
        vehicle_register_store(vehicle=vehicle, store=store, actor=staff)
        credential_issue(vehicle=vehicle, actor=staff)
        consent_set(customer=vehicle.customer, category="marketing", granted=True, source="app", actor=staff)
        audit_record(action="vehicle.view", target=vehicle, actor=staff, company=company)
        ServiceAvailability.objects.create(model_code=f"M{i:04d}", equipment=Equipment.NAVI)
        campaign = RecallCampaign.objects.create(
            notification_number=f"R-{i}",
            kind="recall",
            title="ブレーキ",
            defect="不具合",
            remedy="交換",
            published_on=dt.date(2026, 1, 1),
        )
        RecallRange.objects.create(campaign=campaign, model_code="ZVW30", serial_from="1000000", serial_to="1999999")
        RecallTarget.objects.create(
            campaign=campaign,
            chassis_number=vehicle.chassis_number,
            vehicle=vehicle,
            became_target_on=dt.date(2026, 1, 2),
        )


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_changelist_add_and_change_page_loads(admin_client, rf, platform_admin):
    populate(2)
    request = rf.get("/admin/")
    request.user = platform_admin
    for model, model_admin in admin.site._registry.items():
        assert admin_client.get(_url(model, "changelist")).status_code == 200, model
        expected = 200 if model_admin.has_add_permission(request) else 403
        assert admin_client.get(_url(model, "add")).status_code == expected, model
        obj = model._default_manager.first()
        if obj is not None:
            assert admin_client.get(_url(model, "change", obj.pk)).status_code == 200, model


OUR_MODELS = [
    DealerCompany,
    Store,
    CallCenterDesk,
    User,
    Invitation,
    AuditEntry,
    Customer,
    CustomerConsent,
    ConsentRecord,
    Vehicle,
    Contract,
    ServiceAvailability,
    StoreRegistration,
    VehicleCredential,
    RecallCampaign,
    RecallRange,
    RecallTarget,
]


def test_all_dealer_vehicle_and_notification_models_are_in_admin():
    """Every model of the three apps has an admin (or is edited inline on its parent)."""
    inline_only = {"storehours", "closingrule", "calendarexception", "deliveryattempt"}  # shown on their parent
    missing = [
        model._meta.label
        for app_label in ("dealers", "vehicles", "notifications")
        for model in apps.get_app_config(app_label).get_models()
        if model not in admin.site._registry and model._meta.model_name not in inline_only
        # Django's admin refuses a composite primary key (ImproperlyConfigured): only the
        # telemetry day roll-ups have one, derived from the readings.
        and not isinstance(model._meta.pk, CompositePrimaryKey)
    ]
    assert missing == [], f"register an admin for: {', '.join(missing)}"


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    url = _url(model, "changelist")
    populate(3)
    admin_client.get(url)  # warm per-process caches (content types, permissions)

    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    populate(3)
    with CaptureQueriesContext(connection) as more:
        assert admin_client.get(url).status_code == 200

    assert len(more) == len(few), [q["sql"] for q in more.captured_queries]
    assert len(few) <= 12


@pytest.mark.parametrize(
    "term",
    [
        "ZVW30-1234567",
        "ｚｖｗ３０－１２３４５６７",
        "品川 330 さ 12-34",
        "品川330さ1234",
        "090-5555-0001",
        "09055550001",
        "佐藤",
    ],
)
def test_vehicle_search(admin_client, term):
    customer = CustomerFactory(name="佐藤 一郎", phone="09055550001")
    wanted = VehicleFactory(
        company=customer.company,
        customer=customer,
        chassis_number="ZVW30-1234567",
        plate_region="品川",
        plate_class="330",
        plate_kana="さ",
        plate_serial=1234,
        plate_display="品川 330 さ 12-34",
        plate_search="品川330さ1234",
    )
    other = VehicleFactory(plate_search="練馬500あ1")

    response = admin_client.get(_url(Vehicle, "changelist"), {"q": term})

    found = list(response.context["cl"].result_list)
    assert wanted in found, term
    assert other not in found


def test_audit_entries_cannot_be_added_changed_or_deleted(admin_client):
    entry = audit_record(action="vehicle.view", target=VehicleFactory(), actor=None)
    change_url = _url(AuditEntry, "change", entry.pk)

    page = admin_client.get(change_url)
    assert page.status_code == 200 and b'name="action"' not in page.content  # read-only view
    assert admin_client.post(change_url, {"action": "forged"}).status_code == 403
    assert admin_client.post(_url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    assert admin_client.post(_url(AuditEntry, "add"), {"action": "forged"}).status_code == 403
    bulk = admin_client.post(
        _url(AuditEntry, "changelist"), {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.action == "vehicle.view"
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("model", [ConsentRecord, StoreRegistration, VehicleCredential, Invitation])
def test_evidence_and_secrets_are_read_only(admin_client, model):
    populate(1)
    obj = model.objects.first()
    assert admin_client.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_credential_pages_never_show_the_secret_hash(admin_client):
    vehicle = VehicleFactory()
    credential = credential_issue(vehicle=vehicle, actor=None).credential
    for url in (_url(VehicleCredential, "changelist"), _url(VehicleCredential, "change", credential.pk)):
        body = admin_client.get(url).content.decode()
        assert credential.key_id in body
        assert credential.secret_hash not in body


def test_company_admin_cannot_reach_admin(client):
    client.force_login(CompanyAdminFactory())
    response = client.get("/admin/")
    assert response.status_code == 302  # to a login or second-factor page, never the index


def test_admin_login_is_the_account_login_with_its_second_factor(client, platform_admin):
    response = client.get("/admin/login/?next=/admin/dealers/store/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fdealers%2Fstore%2F"
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    # A password alone is not enough: the admin pages ask for TOTP first (set it up, then use it).
    client.force_login(platform_admin)
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_activate_totp"))
    totp_activate(platform_admin)
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_reauthenticate"))


def test_admin_login_with_password_and_code_reaches_the_admin(client, platform_admin):
    totp_activate(platform_admin)
    response = client.post("/accounts/login/?next=/admin/", {"login": platform_admin.email, "password": "pw-for-tests-123"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_authenticate"))
    response = client.post(response["Location"], {"code": totp_code()})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("who", ["company_admin", "store_staff", "owner"])
def test_signed_in_users_who_are_not_platform_admins_get_a_403_page_not_a_loop(client, who):
    """Issue 16 point 5: /admin/ → /admin/login/ → /accounts/login/ → /admin/ looped for staff."""
    from tests.auth import login_staff
    from tests.factories import StoreStaffFactory, UserFactory

    if who == "owner":
        client.force_login(UserFactory())
    else:
        login_staff(client, CompanyAdminFactory() if who == "company_admin" else StoreStaffFactory())
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1  # /admin/ → /admin/login/, and there it stops
    html = response.content.decode()
    assert "プラットフォーム管理者" in html and "<h1>" in html
    assert ('class="button" href="/today/"' in html) is (who != "owner")
    assert client.get("/admin/login/?next=/admin/dealers/store/").status_code == 403


def test_a_platform_admin_already_signed_in_is_sent_on_from_the_admin_login(client, platform_admin):
    from tests.auth import login_staff

    login_staff(client, platform_admin)
    response = client.get("/admin/login/?next=/admin/dealers/store/")
    assert response.status_code == 302 and response["Location"] == "/admin/dealers/store/"


@pytest.mark.parametrize("signed_in", [False, True])
def test_favicon_is_served(client, signed_in):
    """Issue 16 point 15: /favicon.ico answered 404 on every page."""
    if signed_in:
        client.force_login(CompanyAdminFactory())  # no second factor yet: still the icon, not a redirect
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00" and len(body) > 1000
    assert "max-age=86400" in response["Cache-Control"]
