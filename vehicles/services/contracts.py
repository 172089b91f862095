"""T-Connect contracts and which services a car can use ("available services differ by
model and navigation unit. A T-Connect contract is required." — seed).

A service is *offered* to a car when its contract is active and includes the service on the
business date and ServiceAvailability allows it for the car's model and equipment (the
model's own row, else the "*" row; with neither the service is offered — the same rule as the
daily run's SQL in notifications.services.eligibility — and a car without a T-Connect navi or
DCM is offered nothing). It is *available* when, in addition, the car has a
remote-maintenance store that takes part (seed note 3: "use requires registering a store").
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import User
from dealers.services.audit import audit_record
from vehicles.models import Contract, ContractStatus, Equipment, ServiceAvailability, Vehicle

REMOTE_MAINTENANCE = "remote_maintenance"
ECARE = "ecare"
SERVICES = frozenset({REMOTE_MAINTENANCE, ECARE})
_TERM_FIELDS = ("starts_on", "ends_on", "remote_maintenance", "ecare")


def _check_term(starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The contract cannot end before it starts.")})


@transaction.atomic
def contract_activate(
    *,
    vehicle: Vehicle,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    remote_maintenance: bool = True,
    ecare: bool = True,
    actor: User | None,
) -> Contract:
    """Create the vehicle's contract, or re-activate it with new terms; audited."""
    _check_term(starts_on, ends_on)
    # The vehicle lock serialises two activations racing to create the one-to-one row.
    Vehicle.objects.select_for_update().filter(pk=vehicle.pk).first()
    terms = {"starts_on": starts_on, "ends_on": ends_on, "remote_maintenance": remote_maintenance, "ecare": ecare}
    contract, created = Contract.objects.update_or_create(
        vehicle=vehicle, defaults={**terms, "status": ContractStatus.ACTIVE}
    )
    audit_record(
        action="contract.activate",
        target=contract,
        actor=actor,
        company=vehicle.company_id,
        vehicle=vehicle.pk,
        created=created,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat() if ends_on else None,
        remote_maintenance=remote_maintenance,
        ecare=ecare,
    )
    return contract


@transaction.atomic
def contract_set_status(*, contract: Contract, status: str, actor: User | None) -> Contract:
    """Suspend, cancel, expire or re-activate; a call that changes nothing writes nothing."""
    if status not in ContractStatus.values:
        raise ValidationError({"status": _("Unknown contract status.")})
    locked = Contract.objects.select_for_update().select_related("vehicle").get(pk=contract.pk)
    if locked.status != status:
        previous = locked.status
        locked.status = status
        locked.save(update_fields=["status"])
        audit_record(
            action="contract.status",
            target=locked,
            actor=actor,
            company=locked.vehicle.company_id,
            vehicle=locked.vehicle_id,
            from_status=previous,
            to_status=status,
        )
    contract.status = status
    return locked


@transaction.atomic
def contract_set_terms(
    *,
    contract: Contract,
    starts_on: dt.date,
    ends_on: dt.date | None,
    remote_maintenance: bool,
    ecare: bool,
    actor: User | None,
) -> Contract:
    """Change the term or the included services without touching the status; audited."""
    _check_term(starts_on, ends_on)
    locked = Contract.objects.select_for_update().select_related("vehicle").get(pk=contract.pk)
    new = {"starts_on": starts_on, "ends_on": ends_on, "remote_maintenance": remote_maintenance, "ecare": ecare}
    changed = [name for name in _TERM_FIELDS if getattr(locked, name) != new[name]]
    if changed:
        for name in changed:
            setattr(locked, name, new[name])
        locked.save(update_fields=changed)
        audit_record(
            action="contract.terms",
            target=locked,
            actor=actor,
            company=locked.vehicle.company_id,
            vehicle=locked.vehicle_id,
            changed=changed,
        )
    return locked


def _contract_covers(contract: Contract | None, service: str, on: dt.date) -> bool:
    return (
        contract is not None
        and contract.status == ContractStatus.ACTIVE
        and contract.starts_on <= on
        and (contract.ends_on is None or contract.ends_on >= on)
        and getattr(contract, service)
    )


def services_offered(vehicle: Vehicle, on: dt.date | None = None) -> set[str]:
    """Services the car's contract and its model/equipment allow on the business date `on`."""
    if vehicle.equipment == Equipment.NONE:
        return set()
    on = on or timezone.localdate()
    try:
        contract: Contract | None = vehicle.contract  # uses select_related("contract") when given
    except Contract.DoesNotExist:
        contract = None
    rows = {
        row.model_code: row
        for row in ServiceAvailability.objects.filter(
            model_code__in=[vehicle.model_code, "*"], equipment=vehicle.equipment
        )
    }
    availability = rows.get(vehicle.model_code) or rows.get("*")
    return {
        s for s in SERVICES if (availability is None or getattr(availability, s)) and _contract_covers(contract, s, on)
    }


def services_available(vehicle: Vehicle, on: dt.date | None = None) -> set[str]:
    """Services the car can use now: offered, and registered to a participating store."""
    store = vehicle.store
    if store is None or not store.participates_in_remote_maintenance or not store.is_active:
        return set()
    return services_offered(vehicle, on)


def _availability(service: str, model_code: object, equipment: str) -> Subquery:
    rows = ServiceAvailability.objects.filter(model_code=model_code, equipment=OuterRef(equipment))
    return Subquery(rows.values(service)[:1], output_field=BooleanField())


def with_service(qs: QuerySet, service: str, on: dt.date, *, vehicle: str = "") -> QuerySet:
    """`qs` narrowed to rows whose car has `service` available on `on`; `vehicle` is the path from
    the rows to their car ("" for vehicles, "vehicle__" for warnings), so the rule is applied to
    each row's own car by joins, never as an IN over every car in the database.

    The same rule as services_available; the model's own availability row wins over "*".
    """
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    allowed = Coalesce(
        _availability(service, OuterRef(f"{vehicle}model_code"), f"{vehicle}equipment"),
        _availability(service, Value("*"), f"{vehicle}equipment"),
        Value(True),
    )
    return (
        qs.exclude(**{f"{vehicle}equipment": Equipment.NONE})
        .filter(**{
            f"{vehicle}store__isnull": False,
            f"{vehicle}store__participates_in_remote_maintenance": True,
            f"{vehicle}store__is_active": True,
            f"{vehicle}contract__status": ContractStatus.ACTIVE,
            f"{vehicle}contract__starts_on__lte": on,
            f"{vehicle}contract__{service}": True,
        })
        .filter(Q(**{f"{vehicle}contract__ends_on__isnull": True}) | Q(**{f"{vehicle}contract__ends_on__gte": on}))
        .alias(service_allowed=allowed)
        .filter(service_allowed=True)
    )


def vehicles_with_service(service: str, on: dt.date) -> QuerySet[Vehicle]:
    """All vehicles for which `service` is available on `on`, as one SQL query."""
    return with_service(Vehicle.objects.all(), service, on)
