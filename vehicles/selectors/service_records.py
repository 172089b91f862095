"""Reading service records: a car's history, and "last done" per car and item, set-based.

`last_done_sql()` is a derived table other SQL joins (the daily refresh of due dates): one
DISTINCT ON over the (vehicle, item, performed_on) index of the item rows, never a per-car loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch, QuerySet

from dealers.models import User
from vehicles.models import ServiceItem, ServiceRecord, ServiceRecordItem, Vehicle
from vehicles.models.service_records import PERIODIC_ITEMS
from vehicles.selectors.vehicles import vehicles_for_staff

_ITEM = ServiceRecordItem._meta.db_table

# A periodic inspection recorded this long before its inspection month, or during it and the
# month after, makes that month done (a car is often brought in a little early or late).
PERIODIC_DONE_MONTHS_BEFORE = 2
PERIODIC_DONE_MONTHS_AFTER = 1

HISTORY_SIZE = 50


@dataclass(frozen=True)
class LastDone:
    vehicle_id: int
    item: str
    label: str
    performed_on: dt.date
    odometer_km: int | None


def last_done_sql(*, vehicle_sql: str | None = None) -> str:
    """SQL of a derived table (vehicle_id, item, label, performed_on, odometer_km): per car and
    item (and label, for dealer inspections and "other") the newest time it was done and the
    odometer then (the newest known reading of that day). `vehicle_sql` narrows it to the cars
    of an expression (e.g. "= ANY(%(ids)s)") and is pasted as is: constants and parameters only."""
    where = f"WHERE i.vehicle_id {vehicle_sql}" if vehicle_sql else ""
    return f"""(SELECT DISTINCT ON (i.vehicle_id, i.item, i.label) i.vehicle_id, i.item, i.label, i.performed_on, i.odometer_km
      FROM {_ITEM} i {where}
      ORDER BY i.vehicle_id, i.item, i.label, i.performed_on DESC)"""  # noqa: S608 - the table from model metadata


def last_done(*, vehicle_ids: Iterable[int], items: Iterable[str] | None = None) -> dict[tuple[int, str], LastDone]:
    """(vehicle id, item) → when it was last done, for these cars (one query). For dealer
    inspections and "other" (several labels) the newest of any label."""
    wanted = list(items) if items is not None else ServiceItem.values
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT vehicle_id, item, label, performed_on, odometer_km FROM {last_done_sql(vehicle_sql='= ANY(%s)')} d"  # noqa: S608 - the selector's own SQL
            " WHERE item = ANY(%s) ORDER BY performed_on",
            [list(vehicle_ids), wanted],
        )
        return {(row[0], row[1]): LastDone(*row) for row in cursor.fetchall()}


def battery_replaced_on_sql(vehicle_sql: str) -> str:
    """Scalar SQL: the day the car's 12 V battery was last replaced (NULL if never recorded);
    the battery trend starts from it. One index probe per car."""
    return (
        f"(SELECT max(i.performed_on) FROM {_ITEM} i WHERE i.vehicle_id = {vehicle_sql}"  # noqa: S608
        f" AND i.item = '{ServiceItem.BATTERY_12V.value}')"
    )


def periodic_done_sql(*, vehicle_sql: str, inspection_month_sql: str) -> str:
    """SQL truth value: a periodic inspection (or a shaken, which includes the 24-month one)
    was recorded for the car around that inspection month (first day of the month), so the
    month is done and its reminders are not sent."""
    codes = ", ".join(f"'{item.value}'" for item in PERIODIC_ITEMS)
    return (
        f"EXISTS (SELECT 1 FROM {_ITEM} i WHERE i.vehicle_id = {vehicle_sql} AND i.item IN ({codes})"  # noqa: S608
        f" AND i.performed_on >= ({inspection_month_sql} - interval '{PERIODIC_DONE_MONTHS_BEFORE} months')::date"
        f" AND i.performed_on < ({inspection_month_sql} + interval '{PERIODIC_DONE_MONTHS_AFTER + 1} months')::date)"
    )


def periodic_done_range(performed_on: dt.date) -> tuple[dt.date, dt.date]:
    """The inspection months (first days) a periodic inspection done on that day makes done:
    the mirror of periodic_done_sql, for cancelling the reminders already sent."""
    def first_of(months: int) -> dt.date:
        index = performed_on.year * 12 + performed_on.month - 1 + months
        return dt.date(index // 12, index % 12 + 1, 1)

    return first_of(-PERIODIC_DONE_MONTHS_AFTER), first_of(PERIODIC_DONE_MONTHS_BEFORE)


def service_history(vehicle: Vehicle, *, limit: int = HISTORY_SIZE) -> list[ServiceRecord]:
    """The car's visits, newest first, with their items, store and recorder: two queries."""
    items = ServiceRecordItem.objects.select_related("recall_campaign").order_by("id")
    return list(
        ServiceRecord.objects.filter(vehicle=vehicle)
        .select_related("store", "recorded_by")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("-performed_on", "-id")[:limit]
    )


def service_records_for_staff(user: User) -> QuerySet[ServiceRecord]:
    """Records of the cars the user may see (404 elsewhere)."""
    return ServiceRecord.objects.filter(vehicle__in=vehicles_for_staff(user))


def latest_shaken_record(vehicle: Vehicle) -> ServiceRecord | None:
    """The newest record with a shaken: its computed expiry is shown beside a certificate's."""
    return (
        ServiceRecord.objects.filter(vehicle=vehicle, items__item=ServiceItem.SHAKEN, shaken_expiry_computed__isnull=False)
        .order_by("-performed_on")
        .first()
    )
