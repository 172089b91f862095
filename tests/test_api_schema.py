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
    # The start-up script is a file of its own (no inline script under the CSP); it loads the schema.
    assert '<script src="/api/docs/?script="></script>' in html
    assert "/api/schema/" in client.get("/api/docs/", {"script": ""}).content.decode()


def test_spectacular_command_validates_without_warnings(tmp_path):
    reset_generator_stats()  # warnings of earlier schema renderings in this process do not count
    target = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/dcm/identity/" in yaml.safe_load(target.read_text())["paths"]


# --- the answers a generated client must handle (issue 12 point 7) --------------------------


def _responses(schema: dict, path: str, method: str) -> dict:
    return schema["paths"][path][method]["responses"]


def test_every_operation_documents_its_error_answers(schema):
    error = {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert responses["503"]["content"]["application/json"]["schema"] == error, (path, method)
            assert "Retry-After" in responses["503"]["headers"]
            if {} not in operation.get("security", [{}]):
                assert {"401", "403"} <= set(responses), (path, method)
            if "{" in path:
                assert "404" in responses, (path, method)
    owner = _responses(schema, "/api/v1/me/vehicles/{id}/health/", "get")
    assert "another dealer" in owner["404"]["description"] and "401" in owner


def test_429_is_documented_exactly_where_a_view_throttles(schema, settings):
    assert not any("429" in op["responses"] for ops in schema["paths"].values() for op in ops.values())
    from rest_framework.throttling import AnonRateThrottle

    from vehicles.api.telemetry import DcmTelemetryApi

    DcmTelemetryApi.throttle_classes = [AnonRateThrottle]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10/minute"}}
    try:
        from drf_spectacular.generators import SchemaGenerator

        generated = SchemaGenerator().get_schema(request=None, public=True)
    finally:
        del DcmTelemetryApi.throttle_classes
    answers = generated["paths"]["/api/v1/dcm/telemetry/"]["post"]["responses"]
    assert "Retry-After" in answers["429"]["headers"]
    assert "429" not in generated["paths"]["/api/v1/me/vehicles/"]["get"]["responses"]


def test_the_telemetry_operation_documents_its_limits_and_refusals(schema):
    operation = schema["paths"]["/api/v1/dcm/telemetry/"]["post"]
    assert {"200", "201", "400", "401", "403", "409", "415", "503"} <= set(operation["responses"])
    for limit in ("500 readings", "5 minutes ahead", "400 days", "1-64 characters", "more than 5 km", "409"):
        assert limit in operation["description"], limit
    body = schema["components"]["schemas"]["TelemetryBatchDocRequest"]["properties"]["readings"]
    assert (body["minItems"], body["maxItems"]) == (1, 500)
