"""The DCM credential check for the telemetry endpoint, in one raw query.

Same rule as VehicleCredentialAuthentication / vehicles.services.credentials.credential_authenticate
(a credential that is neither revoked nor expired; the secret's SHA-256 compared in constant
time), but without the ORM: building the select_related query cost more CPU than anything
else on an endpoint that takes hundreds of batches a second. The instances it returns carry
only the fields read here; others load on access.
"""

from __future__ import annotations

import hashlib
import hmac

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from vehicles.api.authentication import VehicleCredentialAuthentication, VehiclePrincipal
from vehicles.models import Vehicle, VehicleCredential
from vehicles.services.telemetry import prepared_cursor

_SQL = """
SELECT c.id, c.key_id, c.secret_hash, c.vehicle_id, v.company_id, v.chassis_number, v.third_party_obd_device
FROM vehicles_vehiclecredential c JOIN vehicles_vehicle v ON v.id = c.vehicle_id
WHERE c.key_id = %s AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > %s)
"""
_CREDENTIAL_FIELDS = ["id", "key_id", "secret_hash", "vehicle_id"]
_VEHICLE_FIELDS = ["id", "company_id", "chassis_number", "third_party_obd_device"]


def dcm_credential_authenticate(token: str) -> VehicleCredential | None:
    """The live credential matching `<key_id>.<secret>` (with its vehicle), or None."""
    key_id, _sep, secret = token.partition(".")
    if not key_id or not secret or len(token) > 128:
        return None
    with prepared_cursor() as cursor:
        cursor.execute(_SQL, [key_id, timezone.now()])
        row = cursor.fetchone()  # key_id is unique: at most one row
    if row is None or not hmac.compare_digest(row[2], hashlib.sha256(secret.encode()).hexdigest()):
        return None
    credential = VehicleCredential.from_db(connection.alias, _CREDENTIAL_FIELDS, row[:4])
    credential.vehicle = Vehicle.from_db(connection.alias, _VEHICLE_FIELDS, (row[3], *row[4:]))
    return credential


class DcmCredentialAuthentication(VehicleCredentialAuthentication):
    """`Authorization: Vehicle <key_id>.<secret>`, checked with dcm_credential_authenticate."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _sep, token = header.partition(" ")
        if scheme != self.keyword:
            return None
        credential = dcm_credential_authenticate(token.strip())
        if credential is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked vehicle credential."))
        return VehiclePrincipal(credential), credential
