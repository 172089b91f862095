"""Read-side queries for vehicles, always rooted in the caller's tenant scope, and the staff
vehicle page: everything about one car in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from dealers.models import Store, User
from dealers.selectors.access import StaffScope, staff_scope
from vehicles.models import (
    Appointment,
    CustomerConsent,
    RecallTarget,
    StoreRegistration,
    Vehicle,
    VehicleWarning,
)
from vehicles.models.appointments import OPEN_STATES
from vehicles.services.contracts import services_offered


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


RECENT_WARNINGS = 10


@dataclass
class VehiclePage:
    vehicle: Vehicle
    services: set[str]
    registrations: list[StoreRegistration]
    recalls: list[RecallTarget]
    open_warnings: list[VehicleWarning]
    closed_warnings: list[VehicleWarning]
    consents: dict[str, bool]
    upcoming: list[Appointment] = field(default_factory=list)

    @property
    def open_recalls(self) -> list[RecallTarget]:
        return [t for t in self.recalls if t.status == "not_done"]


def vehicle_page(vehicle: Vehicle) -> VehiclePage:
    """The vehicle page's facts (vehicle fetched with customer, store and contract): 6 queries.
    The health check (latest state, trend, open warnings) is vehicles.selectors.health's."""
    warnings = list(VehicleWarning.objects.filter(vehicle=vehicle).order_by("closed_at", "-opened_at")[:RECENT_WARNINGS + 20])
    consents = {}
    if vehicle.customer_id:
        consents = dict(CustomerConsent.objects.filter(customer_id=vehicle.customer_id).values_list("category", "granted"))
    return VehiclePage(
        vehicle=vehicle,
        services=services_offered(vehicle),
        registrations=list(
            StoreRegistration.objects.filter(vehicle=vehicle).select_related("store", "registered_by").order_by("-registered_at")
        ),
        recalls=list(
            RecallTarget.objects.filter(vehicle=vehicle).select_related("campaign", "done_store").order_by("-campaign__published_on")
        ),
        open_warnings=[w for w in warnings if w.closed_at is None],
        closed_warnings=[w for w in warnings if w.closed_at is not None][:RECENT_WARNINGS],
        consents=consents,
        upcoming=list(
            Appointment.objects.filter(vehicle=vehicle, state__in=OPEN_STATES, ends_at__gte=timezone.now())
            .select_related("store")
            .order_by("starts_at")
        ),
    )


def registrable_stores(vehicle: Vehicle) -> QuerySet[Store]:
    """Stores the car may be moved to: its company's active, participating stores.

    Not narrowed to the user's scope: store staff hand a customer over to another store of the
    company (the car then leaves their list); the company is the boundary.
    """
    return Store.objects.filter(
        company_id=vehicle.company_id, is_active=True, participates_in_remote_maintenance=True
    ).order_by("code")
