"""OpenAPI security schemes for our authentication classes (drf-spectacular extensions).

Imported by vehicles.api.urls so they are registered before any schema is generated.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class VehicleCredentialScheme(OpenApiAuthenticationExtension):
    target_class = "vehicles.api.authentication.VehicleCredentialAuthentication"
    name = "VehicleCredential"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "The DCM's per-vehicle credential: `Authorization: Vehicle <key_id>.<secret>`. "
                "After a rotation the previous credential keeps working for the grace period."
            ),
        }


class TelemetryVehicleCredentialScheme(VehicleCredentialScheme):
    # The telemetry endpoint checks the same header with a faster raw-SQL subclass. Each class
    # needs its own component name in drf-spectacular, hence a second (identical) scheme.
    target_class = "vehicles.api.dcm_auth.DcmCredentialAuthentication"
    name = "VehicleCredentialTelemetry"


class AppSessionTokenScheme(OpenApiAuthenticationExtension):
    # Replaces drf-spectacular's contrib scheme for the same class, to say how to get a token.
    target_class = "allauth.headless.contrib.rest_framework.authentication.XSessionTokenAuthentication"
    name = "AppSessionToken"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Session-Token",
            "description": (
                "Owner app session: `POST /_allauth/app/v1/auth/login` with e-mail and password, then "
                "send `meta.session_token` from the response in this header. Dealer staff cannot use it."
            ),
        }
