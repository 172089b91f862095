"""E-mail bounces as staff see them: the owner's address state on the vehicle page, and the
addresses that recently became undeliverable in the staff's scope (Today)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery

from dealers.selectors.access import StaffScope
from notifications.models import MailAddressState
from vehicles.models import Customer, Vehicle

RECENT_DAYS = 30


def customer_mail_state(customer: Customer | None) -> MailAddressState | None:
    """The bounce state of the owner's current address (None: it never bounced)."""
    if customer is None or not customer.email:
        return None
    return MailAddressState.objects.filter(customer=customer, email=customer.email).first()


def undeliverable_recently(scope: StaffScope, *, now: dt.datetime) -> QuerySet[MailAddressState]:
    """Addresses of the scope's owners that became undeliverable in the last RECENT_DAYS and are
    still the owner's address, newest first, each with one of the owner's cars in scope."""
    cars = Vehicle.objects.filter(customer_id=OuterRef("customer_id"), company_id__in=scope.company_ids)
    if scope.store_id is not None:
        cars = cars.filter(store_id=scope.store_id)
    return (
        MailAddressState.objects.filter(
            company_id__in=scope.company_ids, undeliverable_since__gte=now - dt.timedelta(days=RECENT_DAYS),
            customer__email=F("email"),
        )
        .filter(Exists(cars))
        .annotate(vehicle_id=Subquery(cars.order_by("id").values("id")[:1]),
                  vehicle_name=Subquery(cars.order_by("id").values("car_name")[:1]))
        .select_related("customer")
        .order_by("-undeliverable_since", "-id")
    )
