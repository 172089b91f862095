"""What reminder pacing reads (issue 14 §3): each store's bay capacity per week, the bay time
already booked, the Results funnel's sent / booked counts per store, kind and send date, the
work types' durations, and the reminders already sent today. A few grouped queries, whatever
the number of cars; the arithmetic is in services.reminder_pacing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection

from dealers.models import Store
from dealers.selectors.calendar import BUSINESS_TZ, StoreCalendar
from notifications.models import FunnelDay, Notice, NoticeKind
from vehicles.models import Appointment, AppointmentState, Contract, ContractStatus, WorkCode, WorkType
from vehicles.selectors.capacity import open_window

# The kinds whose reminders are paced and the work a reply to each books (issue 14 §1).
PACED_KINDS = {NoticeKind.SHAKEN.value: WorkCode.SHAKEN.value, NoticeKind.PERIODIC.value: WorkCode.INSPECTION_12M.value}
# Minutes when a company has no such work type (the defaults of vehicles.services.capacity).
DEFAULT_MINUTES = {NoticeKind.SHAKEN.value: 180, NoticeKind.PERIODIC.value: 90}
_HELD_STATES = (AppointmentState.REQUESTED, AppointmentState.CONFIRMED, AppointmentState.ARRIVED, AppointmentState.COMPLETED)


def paced_stores() -> list[Store]:
    """Active stores taking part in remote maintenance (the ones reminders are sent for)."""
    return list(Store.objects.filter(is_active=True, participates_in_remote_maintenance=True).order_by("id"))


def capacity_minutes(stores: list[Store], *, first: dt.date, days: int) -> dict[int, list[int]]:
    """Bay minutes open per day from `first`, per store (bays × the calendar's hours). Stores
    with the same calendar share one pass over the days."""
    calendars = StoreCalendar.for_stores(stores)
    minutes_by_calendar: dict[tuple, list[int]] = {}
    out: dict[int, list[int]] = {}
    for store in stores:
        calendar = calendars[store.pk]
        signature = (tuple(sorted(calendar.weekly_hours.items())), calendar.rules, calendar.exceptions,
                     calendar.closed_on_national_holidays)
        if signature not in minutes_by_calendar:
            per_day = []
            for offset in range(days):
                day = first + dt.timedelta(days=offset)
                hours = calendar.hours_on(day)
                if hours is None:
                    per_day.append(0)
                    continue
                opens, closes = open_window(day, hours)
                per_day.append(int((closes - opens).total_seconds() // 60))
            minutes_by_calendar[signature] = per_day
        out[store.pk] = [m * store.service_bays for m in minutes_by_calendar[signature]]
    return out


def booked_minutes(*, first: dt.date, days: int) -> dict[int, list[int]]:
    """Minutes of the bookings held per store and day from `first` (any work, any source)."""
    start = dt.datetime.combine(first, dt.time(), BUSINESS_TZ)
    end = start + dt.timedelta(days=days)
    states = [s.value for s in _HELD_STATES]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT store_id, ((starts_at AT TIME ZONE 'Asia/Tokyo')::date - %s::date) AS day,
                       sum(extract(epoch FROM ends_at - starts_at)) / 60
                FROM {Appointment._meta.db_table}
                WHERE starts_at >= %s AND starts_at < %s AND state = ANY(%s)
                GROUP BY 1, 2""",  # noqa: S608 - table name from model metadata
            [first, start, end, states],
        )
        out: dict[int, list[int]] = defaultdict(lambda: [0] * days)
        for store_id, day, minutes in cursor.fetchall():
            out[store_id][day] += int(minutes)
    return dict(out)


def funnel_counts(*, since: dt.date, until: dt.date) -> list[tuple[int, str, dt.date, int, int]]:
    """(store id, kind, send date, sent, booked) of the paced kinds sent in [since, until)."""
    return list(
        FunnelDay.objects.filter(kind__in=list(PACED_KINDS), send_on__gte=since, send_on__lt=until, store__isnull=False)
        .values_list("store_id", "kind", "send_on", "sent", "booked")
    )


def work_minutes() -> dict[tuple[int, str], int]:
    """(company id, notice kind) → minutes of the work a reply books."""
    by_code = {code: kind for kind, code in PACED_KINDS.items()}
    return {
        (company_id, by_code[code]): minutes
        for company_id, code, minutes in WorkType.objects.filter(code__in=list(by_code), is_active=True)
        .values_list("company_id", "code", "minutes")
    }


def sent_on_day(on: dt.date) -> list[tuple[int, str, int]]:
    """(store id, kind, count) of the paced kinds' reminders sent on `on` (by any run of it).
    The store is looked up per notice (an index probe each): a day's few thousand rows, never a
    join planned over the whole vehicle table on statistics that miss the rows just inserted."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT s.store_id, s.kind, count(*) FROM (
                    SELECT (SELECT v.store_id FROM vehicles_vehicle v WHERE v.id = n.vehicle_id) AS store_id, n.kind
                    FROM {Notice._meta.db_table} n
                    WHERE n.send_on = %s AND n.kind = ANY(%s) AND n.category = 'reminders') s
                WHERE s.store_id IS NOT NULL GROUP BY 1, 2""",  # noqa: S608 - table name from model metadata
            [on, list(PACED_KINDS)],
        )
        return cursor.fetchall()


_ACTIVE_CARS = f"""FROM vehicles_vehicle v JOIN {Contract._meta.db_table} c ON c.vehicle_id = v.id
    WHERE v.store_id = %s AND c.status = '{ContractStatus.ACTIVE.value}' AND c.remote_maintenance
      AND v.equipment <> 'none'"""


def shaken_expiries(store: Store, *, since: dt.date, until: dt.date) -> list[tuple[dt.date, int]]:
    """(expiry, cars) of the store's cars with the service, for the forecast."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT v.shaken_expiry, count(*) {_ACTIVE_CARS} AND v.shaken_expiry BETWEEN %s AND %s GROUP BY 1",
                       [store.pk, since, until])
        return cursor.fetchall()


def registration_months(store: Store) -> list[tuple[int, int, dt.date | None, int]]:
    """(first-registration year, month, shaken expiry month's first day, cars) for the forecast."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT v.first_registration_year, v.first_registration_month, date_trunc('month', v.shaken_expiry)::date,
                       count(*) {_ACTIVE_CARS} AND v.first_registration_year IS NOT NULL GROUP BY 1, 2, 3""",
            [store.pk],
        )
        return cursor.fetchall()
