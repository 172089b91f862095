"""車検 (shaken) periods, expiry arithmetic and the inspection window (domain §2, §3).

The certificate's expiry date stays the authority (MLIT sometimes extends validity): these
functions say what the law gives, for planning and for checking, never to overwrite it.
"""

from __future__ import annotations

import calendar
import datetime as dt

from vehicles.models.vehicle import VehicleClass, VehicleUse

# Since this date a shaken taken up to 2 months before expiry keeps the old date (was 1 month).
TWO_MONTH_WINDOW_FROM = dt.date(2025, 4, 1)

# (first, then) in years, 道路運送車両法 61条, private use.
_PRIVATE_PERIODS: dict[str, tuple[int, int]] = {
    VehicleClass.PASSENGER: (3, 2),
    VehicleClass.KEI_PASSENGER: (3, 2),
    VehicleClass.KEI_FREIGHT: (2, 2),
    VehicleClass.FREIGHT_SMALL: (2, 1),
    VehicleClass.FREIGHT_LARGE: (1, 1),
    VehicleClass.BUS: (1, 1),
    VehicleClass.SPECIAL: (2, 2),
}


def _check(vehicle_class: str, use: str) -> None:
    if vehicle_class not in _PRIVATE_PERIODS:
        raise ValueError(f"unknown vehicle class {vehicle_class!r}")
    if use not in VehicleUse.values:
        raise ValueError(f"unknown vehicle use {use!r}")


def _periods(vehicle_class: str, use: str) -> tuple[int, int]:
    _check(vehicle_class, use)
    if use == VehicleUse.COMMERCIAL and vehicle_class != VehicleClass.KEI_FREIGHT:
        # Green plates: 1 year from the start. Kei freight on black plates keeps 2 years:
        # 61条's one-year rule leaves out kei cars.
        return (1, 1)
    if use == VehicleUse.RENTAL and vehicle_class == VehicleClass.PASSENGER:
        return (2, 1)
    if use == VehicleUse.RENTAL and vehicle_class == VehicleClass.KEI_PASSENGER:
        # The 3-year first period is for private cars not let for hire; kei cars are
        # outside the one-year rule, so a kei rental runs 2 years, then 2 years.
        return (2, 2)
    return _PRIVATE_PERIODS[vehicle_class]


def shaken_period_years(vehicle_class: str, use: str, *, first: bool) -> int:
    """Validity in years of the first (new registration) or a continuing inspection."""
    first_years, then_years = _periods(vehicle_class, use)
    return first_years if first else then_years


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def period_end(start: dt.date, years: int) -> dt.date:
    """Last day of a period of ``years`` starting (inclusive) on ``start`` (民法143条).

    The day before the anniversary; with no anniversary (29 Feb) the period ends at the end
    of that February.
    """
    year = start.year + years
    if start.month == 2 and start.day == 29 and _last_day(year, 2) == 28:
        return dt.date(year, 2, 28)
    return start.replace(year=year) - dt.timedelta(days=1)


def _months_before(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` earlier, clamped to the month's end (05-31 → 03-31)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _last_day(year, month)))


def window_opens(expiry: dt.date, *, on: dt.date) -> dt.date:
    """First day on which a shaken taken on ``on`` keeps ``expiry``'s date.

    2 months before expiry for inspections from 2025-04-01, 1 month before until then.
    """
    months = 2 if on >= TWO_MONTH_WINDOW_FROM else 1
    return _months_before(expiry, months)


def in_window(*, current_expiry: dt.date, inspected_on: dt.date) -> bool:
    return window_opens(current_expiry, on=inspected_on) <= inspected_on <= current_expiry


def next_expiry(*, current_expiry: dt.date, inspected_on: dt.date, years: int) -> dt.date:
    """Expiry after a continuing inspection on ``inspected_on``.

    Inside the window the new period starts the day after the old expiry; taken earlier, or
    after lapse, it starts on the inspection day.
    """
    if in_window(current_expiry=current_expiry, inspected_on=inspected_on):
        return period_end(current_expiry + dt.timedelta(days=1), years)
    return period_end(inspected_on, years)


def first_expiry(registered_on: dt.date, vehicle_class: str, use: str) -> dt.date:
    """Expiry of the first certificate of a new vehicle registered on ``registered_on``."""
    return period_end(registered_on, shaken_period_years(vehicle_class, use, first=True))


def periodic_inspection_interval_months(vehicle_class: str, use: str) -> int:
    """Statutory periodic inspection interval (道路運送車両法 48条, domain §3).

    Commercial vehicles and private ones of 8 t or more (and buses of 11+ seats) every 3
    months; rentals and private freight under 8 t every 6; private passenger and kei cars
    (and other private vehicles) every 12.
    """
    _check(vehicle_class, use)
    if use == VehicleUse.COMMERCIAL or vehicle_class in (VehicleClass.FREIGHT_LARGE, VehicleClass.BUS):
        return 3
    if use == VehicleUse.RENTAL or vehicle_class == VehicleClass.FREIGHT_SMALL:
        return 6
    return 12
