"""Importing vehicles from a dealer's file (`manage.py import_vehicles`).

Upsert by normalised chassis number within one dealer company. Each row runs in its own
savepoint, so a row is imported whole (vehicle, owner, store registration) or not at all,
and the good rows of a file with bad rows still go in. Unchanged rows are not written, so
re-running a file changes nothing. A dry run does all the work and rolls it back.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dealers.models import DealerCompany, Store, User
from dealers.services.audit import audit_record
from vehicles.models import Customer, ShakenExpirySource, Vehicle
from vehicles.parsing._text import remove_spaces, unify_hyphens
from vehicles.parsing.vehicle_file import SourceRow
from vehicles.parsing.vehicle_record import CUSTOMER_COLUMNS, VehicleRecord, clean_row
from vehicles.services import customer_create, customer_update, phone_normalise, vehicle_register_store
from vehicles.services.registration import store_check_registrable

# Model fields → the file column a validation message belongs to.
_FIELD_COLUMNS = {
    "first_registration_year": "first_registration",
    "first_registration_month": "first_registration",
    "obd_inspection_target": "remarks",
    **{name: "plate" for name in ("plate_region", "plate_class", "plate_kana", "plate_serial", "plate_display")},
    **{customer_field: column for column, customer_field in CUSTOMER_COLUMNS.items()},
}
_NOT_CLEANED = ["company", "customer", "store", "plate_search"]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # "line 7: shaken_expiry: … is not a date"

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed


class RowError(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.problems = problems

    @classmethod
    def from_validation(cls, exc: ValidationError, default_column: str) -> RowError:
        if hasattr(exc, "error_dict"):
            return cls([
                (_FIELD_COLUMNS.get(name, name) if name != "__all__" else default_column, message)
                for name, messages in exc.message_dict.items()
                for message in messages
            ])
        return cls([(default_column, message) for message in exc.messages])


@transaction.atomic
def vehicles_import(
    *, company: DealerCompany, rows: Iterable[SourceRow], dry_run: bool = False, actor: User | None = None
) -> ImportResult:
    """Import `rows` into `company`.

    1. clean every row (pure parsing; bad rows are reported and skipped);
    2. load the file's vehicles and the company's stores in two queries;
    3. per row, in a savepoint: refuse another company's chassis number, check the store,
       upsert the owner, write the vehicle's changed fields, register the store;
    4. audit the run when it changed anything; roll everything back for a dry run.
    """
    records = [clean_row(row) for row in rows]
    chassis = [record.chassis_number for record in records if not record.errors]
    vehicles: dict[str, Vehicle | None] = {number: None for number in chassis}
    vehicles.update(
        (vehicle.chassis_number, vehicle)
        for vehicle in Vehicle.objects.filter(chassis_number__in=chassis).select_related("customer")
    )
    stores = {store.code: store for store in Store.objects.filter(company=company)}
    result = ImportResult()
    for record in records:
        _import_one(record, company=company, vehicles=vehicles, stores=stores, actor=actor, result=result)
    if result.created or result.updated:
        audit_record(
            action="vehicle.import", target=company, actor=actor, company=company,
            created=result.created, updated=result.updated, unchanged=result.unchanged, failed=result.failed,
        )  # fmt: skip
    if dry_run:
        transaction.set_rollback(True)
    return result


def _import_one(record: VehicleRecord, *, result: ImportResult, vehicles: dict[str, Vehicle | None], **ctx: Any) -> None:
    problems = record.errors
    if not problems:
        try:
            with transaction.atomic():
                outcome = _import_row(record, vehicles=vehicles, **ctx)
        except RowError as exc:
            problems = exc.problems
        except IntegrityError:
            # Another process created the same chassis number meanwhile.
            problems = [("chassis_number", _("%(value)s already exists") % {"value": record.chassis_number})]
        if problems:
            vehicles.pop(record.chassis_number, None)  # the cached instance may hold rolled-back changes
    if problems:
        result.failed += 1
        result.errors.extend(f"{record.where}: {column}: {message}" if column else f"{record.where}: {message}"
                             for column, message in problems)  # fmt: skip
        return
    setattr(result, outcome, getattr(result, outcome) + 1)


def _vehicle_lookup(number: str, vehicles: dict[str, Vehicle | None]) -> Vehicle | None:
    if number not in vehicles:  # dropped after a failed row: read it again
        vehicles[number] = Vehicle.objects.select_related("customer").filter(chassis_number=number).first()
    return vehicles[number]


def _import_row(
    record: VehicleRecord,
    *,
    company: DealerCompany,
    vehicles: dict[str, Vehicle | None],
    stores: dict[str, Store],
    actor: User | None,
) -> str:
    """Import one cleaned row; returns "created", "updated" or "unchanged"."""
    vehicle = _vehicle_lookup(record.chassis_number, vehicles)
    if vehicle is not None and vehicle.company_id != company.pk:
        message = _("%(value)s is registered to another dealer company") % {"value": record.chassis_number}
        raise RowError([("chassis_number", message)])
    store = _store_for(record, company=company, stores=stores)
    creating = vehicle is None
    if vehicle is None:
        vehicle = Vehicle(company=company, chassis_number=record.chassis_number,
                          model_code=record.model_code_from_chassis or "")  # fmt: skip
    changed = [name for name, value in record.values.items() if getattr(vehicle, name) != value]
    for name in changed:
        setattr(vehicle, name, record.values[name])
    if "shaken_expiry" in changed and vehicle.shaken_expiry_source != ShakenExpirySource.CERTIFICATE:
        # The certificate is the authority: it wins over an expiry computed from a service record.
        vehicle.shaken_expiry_source = ShakenExpirySource.CERTIFICATE
        changed.append("shaken_expiry_source")
    customer, customer_changed = _customer_for(record, company=company, vehicle=vehicle, actor=actor)
    if customer is not None and vehicle.customer_id != customer.pk:
        vehicle.customer = customer
        changed.append("customer")
    try:
        vehicle.full_clean(exclude=_NOT_CLEANED, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise RowError.from_validation(exc, "chassis_number") from None
    _save(vehicle, creating=creating, changed=changed, actor=actor)
    store_changed = store is not None and vehicle.store_id != store.pk
    if store is not None and store_changed:
        vehicle_register_store(vehicle=vehicle, store=store, actor=actor)
    vehicles[record.chassis_number] = vehicle
    if creating:
        return "created"
    return "updated" if changed or customer_changed or store_changed else "unchanged"


def _save(vehicle: Vehicle, *, creating: bool, changed: list[str], actor: User | None) -> None:
    if creating:
        vehicle.save()
        audit_record(action="vehicle.create", target=vehicle, actor=actor, company=vehicle.company_id, source="import")
    elif changed:
        vehicle.save(update_fields=[*changed, "updated_at"])
        audit_record(
            action="vehicle.update", target=vehicle, actor=actor, company=vehicle.company_id,
            source="import", fields=sorted(changed),
        )  # fmt: skip


def _store_for(record: VehicleRecord, *, company: DealerCompany, stores: dict[str, Store]) -> Store | None:
    if not record.store_code:
        return None
    store = stores.get(record.store_code)
    if store is None:
        message = _("no store with code %(code)s in %(company)s") % {"code": record.store_code, "company": company.code}
        raise RowError([("store_code", message)])
    try:
        store_check_registrable(store=store, company_id=company.pk)
    except ValidationError as exc:
        raise RowError.from_validation(exc, "store_code") from None
    return store


def _same_name(a: str, b: str) -> bool:
    def key(text: str) -> str:
        return unify_hyphens(remove_spaces(unicodedata.normalize("NFKC", text)))

    return key(a) == key(b)


def _customer_match(*, company: DealerCompany, vehicle: Vehicle, given: dict[str, str]) -> Customer | None:
    """The owner a row describes: the vehicle's current owner when the name agrees (or no
    name is given), else a customer of the company with the same e-mail, else phone."""
    current = vehicle.customer if vehicle.customer_id else None
    if current is not None and ("name" not in given or _same_name(current.name, given["name"])):
        return current
    customers = Customer.objects.filter(company=company).order_by("id")
    if given.get("email"):
        found = customers.filter(email__iexact=given["email"].strip()).first()
        if found is not None:
            return found
    if given.get("phone"):
        phone = phone_normalise(given["phone"])
        if phone:
            return customers.filter(phone=phone).first()
    return None


def _customer_for(
    record: VehicleRecord, *, company: DealerCompany, vehicle: Vehicle, actor: User | None
) -> tuple[Customer | None, bool]:
    """(owner, whether the owner record was created or changed); (None, False) if no columns."""
    given = record.customer
    if not given:
        return None, False
    try:
        customer = _customer_match(company=company, vehicle=vehicle, given=given)
        if customer is None:
            return customer_create(company=company, actor=actor, **given), True
        before = {name: getattr(customer, name) for name in given}
        customer_update(customer=customer, actor=actor, **given)
    except ValidationError as exc:
        raise RowError.from_validation(exc, "customer_name") from None
    return customer, any(getattr(customer, name) != value for name, value in before.items())
