from rest_framework.permissions import BasePermission

from vehicles.api.authentication import VehiclePrincipal


class IsVehicle(BasePermission):
    """Only a car authenticated with its DCM credential."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, VehiclePrincipal)


class IsDealerStaff(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(getattr(request.user, "is_dealer_staff", False))


class IsOwner(BasePermission):
    """A car owner's app account (it has a customer record)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user.is_authenticated and getattr(user, "role", None) == "owner" and user.pk)
