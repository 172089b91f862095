"""Read side of condition-based maintenance: "last done" as SQL for the refresh, a car's "next
due" panel, and the staff's list of cars due by condition and not booked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, Min, OuterRef, QuerySet
from django.utils.translation import gettext as _

from vehicles.models import Appointment, Vehicle, VehicleClass, VehicleUse
from vehicles.models.appointments import OPEN_STATES
from vehicles.models.maintenance import DueBasis, MaintenanceDue, PaceBasis, VehicleMaintenance
from vehicles.selectors.service_records import last_done_sql as service_records_last_done_sql

DUE_SOON_DAYS = 30


def last_done_sql() -> str:
    """SQL of (vehicle_id, code, done_on, done_km): the latest service record of each work item
    per car (vehicles.selectors.service_records), for the set-based due refresh."""
    source = service_records_last_done_sql()
    columns = "d.vehicle_id, d.item AS code, d.performed_on AS done_on, d.odometer_km AS done_km"
    return f"SELECT DISTINCT ON (d.vehicle_id, d.item) {columns} FROM {source} d ORDER BY d.vehicle_id, d.item, d.performed_on DESC"  # noqa: S608 - the selector's own SQL


def due_state(due_on: dt.date, today: dt.date) -> str:
    """ok / due_soon (within 30 days) / overdue."""
    if due_on < today:
        return "overdue"
    if due_on <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "ok"


@dataclass(frozen=True)
class NextDue:
    label: str
    due_on: dt.date | None
    how: str  # how the date was computed, in the reader's language
    state: str  # ok / due_soon / overdue / unknown
    code: str = ""
    due_km: int | None = None


def _how(due: MaintenanceDue, pace: VehicleMaintenance | None) -> str:
    if due.basis == DueBasis.TREND:
        return _("12 V battery trend says replace")
    if due.basis == DueBasis.DISTANCE and pace is not None:
        return _("projection at %(pace)s km/day to %(km)s km") % {"pace": pace.km_per_day, "km": f"{due.due_km:,}"}
    why = _("time since the service record")
    if pace is not None and pace.basis != PaceBasis.OK:
        why = f"{why} ({PaceBasis(pace.basis).label})"
    elif pace is None:
        why = f"{why} ({PaceBasis.NO_TELEMETRY.label})"
    return why


def maintenance_next_due(vehicle: Vehicle, *, today: dt.date) -> tuple[list[NextDue], VehicleMaintenance | None]:
    """Each menu item's next due date for one car, soonest first, and the car's pace (two queries)."""
    pace = VehicleMaintenance.objects.filter(vehicle=vehicle).first()
    dues = MaintenanceDue.objects.filter(vehicle=vehicle).select_related("item").order_by("due_on", "item__position")
    return [
        NextDue(due.item.name, due.due_on, _how(due, pace), due_state(due.due_on, today), due.item.code, due.due_km)
        for due in dues
    ], pace


# Statutory periodic inspection intervals (domain §3): private passenger and kei cars every 12
# months; rentals and private freight under 8 t every 6; commercial and ≥ 8 t every 3.
def periodic_interval_months(vehicle: Vehicle) -> int:
    if vehicle.use == VehicleUse.COMMERCIAL or vehicle.vehicle_class in (VehicleClass.FREIGHT_LARGE, VehicleClass.BUS):
        return 3
    if vehicle.use == VehicleUse.RENTAL or vehicle.vehicle_class in (VehicleClass.FREIGHT_SMALL, VehicleClass.KEI_FREIGHT):
        return 6
    return 12


def periodic_next_month(vehicle: Vehicle, today: dt.date) -> dt.date | None:
    """First day of the next inspection month (this month included), on the grid of the first
    registration month; None without a registration month."""
    if not vehicle.first_registration_year or not vehicle.first_registration_month:
        return None
    interval = periodic_interval_months(vehicle)
    registered = vehicle.first_registration_year * 12 + vehicle.first_registration_month - 1
    now = today.year * 12 + today.month - 1
    steps = max(1, -(-(now - registered) // interval))
    index = registered + steps * interval
    return dt.date(index // 12, index % 12 + 1, 1)


def next_due_panel(vehicle: Vehicle, *, today: dt.date) -> tuple[list[NextDue], VehicleMaintenance | None]:
    """The vehicle page's "next due": shaken, periodic inspection, then each menu item (two queries)."""
    rows: list[NextDue] = []
    if vehicle.shaken_expiry:
        rows.append(NextDue(_("Shaken"), vehicle.shaken_expiry, _("certificate or service record"),
                            due_state(vehicle.shaken_expiry, today), "shaken"))
    periodic = periodic_next_month(vehicle, today)
    if periodic is not None:
        months = periodic_interval_months(vehicle)
        month_end = dt.date(periodic.year + periodic.month // 12, periodic.month % 12 + 1, 1) - dt.timedelta(days=1)
        rows.append(NextDue(_("Periodic inspection"), periodic,
                            _("every %(n)d months from the first registration month") % {"n": months},
                            due_state(month_end, today), "periodic"))
    items, pace = maintenance_next_due(vehicle, today=today)
    return rows + items, pace


def due_not_booked(vehicles: QuerySet[Vehicle], *, today: dt.date, days: int = DUE_SOON_DAYS) -> QuerySet[Vehicle]:
    """Cars of `vehicles` with a menu item due by today + days and no open or confirmed
    appointment, annotated with `maintenance_due_on` (their earliest), soonest first."""
    open_visit = Appointment.objects.filter(vehicle=OuterRef("pk"), state__in=[*OPEN_STATES, "arrived"])
    return (
        vehicles.filter(maintenance_due__due_on__lte=today + dt.timedelta(days=days))
        .annotate(maintenance_due_on=Min("maintenance_due__due_on"))
        .filter(~Exists(open_visit))
        .order_by("maintenance_due_on", "id")
    )
