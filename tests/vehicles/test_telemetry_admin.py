"""The lamp/DTC table is edited in the admin (with an audit entry); warnings are read-only there."""

import pytest
from django.contrib import admin
from django.urls import reverse

import vehicles.admin.telemetry  # noqa: F401  (registers the admins, as vehicles/admin/vehicles.py does)
from dealers.models import AuditEntry
from tests.adminform import form_data
from tests.auth import login_staff
from vehicles.models import DiagnosticCode, VehicleWarning

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client, django_user_model):
    user = django_user_model.objects.create_superuser("root@tconnect.example.jp", "pw-for-tests-123")
    login_staff(client, user)  # admin sessions pass TOTP
    return user


def test_admin_edits_advice_and_leaves_an_audit_entry(client, root):
    row = DiagnosticCode.objects.get(code="lamp:oil_pressure")
    url = reverse("admin:vehicles_diagnosticcode_change", args=[row.pk])
    page = client.get(url)
    assert page.status_code == 200

    response = client.post(url, form_data(page.content.decode(), {"advice_en": "Stop the engine now."}))

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.advice_en == "Stop the engine now."
    entry = AuditEntry.objects.get(action="diagnostic_code.change")
    assert entry.actor == root and entry.target_id == str(row.pk) and entry.data == {"changed": ["advice_en"]}


def test_admin_refuses_a_malformed_code(client, root):
    url = reverse("admin:vehicles_diagnosticcode_add")
    page = client.get(url)
    data = form_data(page.content.decode(), {"code": "lamp:disco", "kind": "lamp", "severity": "info"})

    response = client.post(url, data)

    assert response.status_code == 200 and not DiagnosticCode.objects.filter(code="lamp:disco").exists()


def test_warnings_are_read_only_in_the_admin(client, root):
    model_admin = admin.site._registry[VehicleWarning]
    request = client.get(reverse("admin:vehicles_vehiclewarning_changelist")).wsgi_request
    assert client.get(reverse("admin:vehicles_vehiclewarning_changelist")).status_code == 200
    assert not model_admin.has_change_permission(request) and not model_admin.has_add_permission(request)
