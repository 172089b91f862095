from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from rest_framework.permissions import BasePermission

from vehicles.api.authentication import VehiclePrincipal


class IsVehicle(BasePermission):
    """Only a car authenticated with its DCM credential."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, VehiclePrincipal)


class IsDealerStaff(BasePermission):
    """Dealer staff through the portal session, which StaffMFARequiredMiddleware has checked
    for TOTP. An app session token (X-Session-Token) never passed that check: refused."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.successful_authenticator, XSessionTokenAuthentication):
            return False
        return bool(getattr(request.user, "is_dealer_staff", False))


class IsOwner(BasePermission):
    """A car owner's app account (it has a customer record)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user.is_authenticated and getattr(user, "role", None) == "owner" and user.pk)
