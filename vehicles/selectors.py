"""Read-side queries for vehicles, always rooted in the caller's tenant scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from dealers.access import staff_scope
from dealers.models import User
from vehicles.models import Vehicle


def vehicles_for_staff(user: User) -> QuerySet[Vehicle]:
    """Vehicles a dealer-side user may see: the company's, or the store's for store staff."""
    scope = staff_scope(user)
    qs = Vehicle.objects.filter(company_id__in=scope.company_ids)
    if scope.store_id is not None:
        qs = qs.filter(store_id=scope.store_id)
    return qs


def vehicle_get_for_staff(user: User, pk: object) -> Vehicle:
    try:
        return vehicles_for_staff(user).select_related("customer", "store", "contract").get(pk=pk)
    except (Vehicle.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def vehicles_for_owner(user: User) -> QuerySet[Vehicle]:
    """The app user's own cars (through their customer record)."""
    if not user.is_authenticated or getattr(user, "pk", None) is None:
        return Vehicle.objects.none()
    return Vehicle.objects.filter(customer__user=user)
