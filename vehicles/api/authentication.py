from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from vehicles.models import Vehicle, VehicleCredential
from vehicles.services.credentials import credential_authenticate


class VehiclePrincipal:
    """request.user for a car calling the API with its DCM credential."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_dealer_staff = False
    role = "vehicle"

    def __init__(self, credential: VehicleCredential):
        self.credential = credential
        self.vehicle: Vehicle = credential.vehicle
        self.pk = None

    def __str__(self) -> str:
        return f"vehicle:{self.vehicle.chassis_number}"


class VehicleCredentialAuthentication(authentication.BaseAuthentication):
    """`Authorization: Vehicle <key_id>.<secret>`"""

    keyword = "Vehicle"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _sep, token = header.partition(" ")
        if scheme != self.keyword:
            return None
        credential = credential_authenticate(token.strip())
        if credential is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked vehicle credential."))
        return VehiclePrincipal(credential), credential

    def authenticate_header(self, request) -> str:
        return self.keyword
