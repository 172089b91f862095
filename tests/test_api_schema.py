"""The OpenAPI document and its Swagger UI (served from drf-spectacular-sidecar, no CDN)."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import reset_generator_stats
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3_with_our_paths(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/vehicles/", "/api/v1/vehicles/{id}/", "/api/v1/me/vehicles/", "/api/v1/dcm/identity/"):
        assert path in schema["paths"], path
    assert not any(path.startswith(("/_allauth/", "/accounts/", "/admin/")) for path in schema["paths"])


def test_schema_declares_the_vehicle_credential_and_app_session_token(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["VehicleCredential"] == {
        "type": "apiKey", "in": "header", "name": "Authorization", "description": schemes["VehicleCredential"]["description"],
    }
    assert "Vehicle <key_id>.<secret>" in schemes["VehicleCredential"]["description"]
    assert schemes["AppSessionToken"]["name"] == "X-Session-Token"
    assert "/_allauth/app/v1/auth/login" in schemes["AppSessionToken"]["description"]
    dcm_security = schema["paths"]["/api/v1/dcm/identity/"]["get"]["security"]
    assert {"VehicleCredential": []} in dcm_security


def test_schema_as_json(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "tconnect API"


def test_swagger_ui_renders_from_local_static_files(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs"):
        assert cdn not in html
    assert "/api/schema/" in html


def test_spectacular_command_validates_without_warnings(tmp_path):
    reset_generator_stats()  # warnings of earlier schema renderings in this process do not count
    target = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/dcm/identity/" in yaml.safe_load(target.read_text())["paths"]
