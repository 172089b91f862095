"""Read-side queries for vehicles, always rooted in the caller's tenant scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from dealers.access import StaffScope, staff_scope
from dealers.models import User
from vehicles.models import Vehicle


def _vehicles_in(scope: StaffScope) -> QuerySet[Vehicle]:
    qs = Vehicle.objects.filter(company_id__in=scope.company_ids)
    if scope.store_id is not None:
        qs = qs.filter(store_id=scope.store_id)
    return qs


def vehicles_for_staff(user: User) -> QuerySet[Vehicle]:
    """Vehicles a dealer-side user may browse: the company's, or the store's for store staff.

    Call-center agents get a 404: they handle warnings and follow-ups only (APPI: purpose
    limitation), through vehicles_for_followup.
    """
    scope = staff_scope(user)
    if scope.warnings_only:
        raise Http404
    return _vehicles_in(scope)


def vehicles_for_followup(user: User) -> QuerySet[Vehicle]:
    """Vehicles whose warnings and follow-ups the user may handle (e-Care): the staff scope,
    plus, for call-center agents, the vehicles of every company their desk serves."""
    return _vehicles_in(staff_scope(user))


def vehicle_get_for_followup(user: User, pk: int | str) -> Vehicle:
    try:
        return vehicles_for_followup(user).select_related("customer", "store").get(pk=pk)
    except (Vehicle.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def vehicle_get_for_staff(user: User, pk: int | str) -> Vehicle:
    try:
        return vehicles_for_staff(user).select_related("customer", "store", "contract").get(pk=pk)
    except (Vehicle.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def vehicles_for_owner(user: User) -> QuerySet[Vehicle]:
    """The app user's own cars (through their customer record)."""
    if not user.is_authenticated or getattr(user, "pk", None) is None:
        return Vehicle.objects.none()
    return Vehicle.objects.filter(customer__user=user)
