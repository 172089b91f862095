"""Date rules of the reminder schedule, in plain Python: the one source of truth.

The daily run turns these rules into a small table of (expiry or registration month → stage,
send date) rows and joins it to the vehicles in SQL, so the rules are computed for a handful of
dates, never per vehicle, and are tested here on their own.

Catch-up rule (missed days): a run for D covering the send dates (L, D] inserts, per due event,
only the **latest** stage whose send date is ≤ D, and only if that send date is in (L, D] and
the stage is still relevant on D. Earlier missed stages are superseded (a customer gets the
"−14 days" notice, not also the "−1 month" one on the same morning), and a stage that no longer
makes sense is skipped (no pre-expiry notice after the expiry: the lapsed notice takes over; no
periodic "next month" notice once that month has begun).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from vehicles.models import ConsentCategory, VehicleClass, VehicleUse

# Since 2025-04-01 the shaken window is 2 months; before it, 1 month (domain §2).
WINDOW_RULE_CHANGE = dt.date(2025, 4, 1)
LAPSED = "lapsed"
WINDOW = "window"


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` ± months, clamped to the target month's end (as PostgreSQL's date ± interval)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def shaken_window_opens(expiry: dt.date) -> dt.date:
    """First day a shaken keeps the old expiry.

    Expiry − 2 months (same day, clamped to month end) under the rule in force since 2025-04-01.
    Before that the window was 1 month: an expiry whose 2-month opening falls before 2025-04-01
    opens on 2025-04-01 (the day the new rule applied), or on expiry − 1 month if that is
    earlier (the old rule already had it open). E.g. 2025-05-31 → 2025-04-01, 2025-04-20 → 2025-03-20,
    2026-05-31 → 2026-03-31.
    """
    two = add_months(expiry, -2)
    if two >= WINDOW_RULE_CHANGE:
        return two
    return min(add_months(expiry, -1), WINDOW_RULE_CHANGE)


@dataclass(frozen=True)
class ShakenConfig:
    """The shaken part of a ReminderPolicy (0 / False = stage off)."""

    early_months: int = 3
    window_notice: bool = True
    late_months: int = 1
    final_days: int = 14
    lapsed_notice: bool = True


@dataclass(frozen=True)
class Stage:
    stage: str
    send_on: dt.date
    category: str
    rank: int  # breaks ties between stages due the same day: the later in the sequence wins


def shaken_stages(expiry: dt.date, config: ShakenConfig) -> list[Stage]:
    """All enabled stages for one expiry, in sequence order."""
    reminders, safety = ConsentCategory.REMINDERS.value, ConsentCategory.SAFETY.value
    stages: list[Stage] = []
    if config.early_months:
        stages.append(Stage(f"m{config.early_months}", add_months(expiry, -config.early_months), reminders, 1))
    if config.window_notice:
        stages.append(Stage(WINDOW, shaken_window_opens(expiry), reminders, 2))
    if config.late_months:
        stages.append(Stage(f"m{config.late_months}", add_months(expiry, -config.late_months), reminders, 3))
    if config.final_days:
        stages.append(Stage(f"d{config.final_days}", expiry - dt.timedelta(days=config.final_days), reminders, 4))
    if config.lapsed_notice:
        stages.append(Stage(LAPSED, expiry + dt.timedelta(days=1), safety, 5))
    return stages


def shaken_stage_due(expiry: dt.date, config: ShakenConfig, *, after: dt.date, on: dt.date) -> Stage | None:
    """The stage to insert for this expiry in a run on `on` covering send dates (after, on]."""
    relevant = [s for s in shaken_stages(expiry, config) if s.send_on <= on and (s.stage == LAPSED or on <= expiry)]
    if not relevant:
        return None
    latest = max(relevant, key=lambda s: (s.send_on, s.rank))
    return latest if latest.send_on > after else None


def shaken_due_table(config: ShakenConfig, *, after: dt.date, on: dt.date) -> list[tuple[dt.date, Stage]]:
    """(expiry, stage) for every expiry that has a stage to insert in the run (after, on]."""
    # Stages lie between expiry − early months (≤ 12) and expiry + 1 day, so these bounds hold
    # every expiry with a send date in (after, on].
    first, last = after, add_months(on, max(config.early_months, config.late_months, 2)) + dt.timedelta(days=4)
    rows = []
    expiry = first
    while expiry <= last:
        stage = shaken_stage_due(expiry, config, after=after, on=on)
        if stage is not None:
            rows.append((expiry, stage))
        expiry += dt.timedelta(days=1)
    return rows


@dataclass(frozen=True)
class PeriodicConfig:
    interval_months: int = 12
    extra_months: tuple[int, ...] = ()


# Horizon for recurring inspections (months since first registration).
PERIODIC_HORIZON_MONTHS = 12 * 40


def periodic_menu(config: PeriodicConfig) -> list[int]:
    """Months after first registration that have an inspection."""
    months = set(config.extra_months)
    if config.interval_months:
        months.update(range(config.interval_months, PERIODIC_HORIZON_MONTHS + 1, config.interval_months))
    return sorted(m for m in months if m > 0)


@dataclass(frozen=True)
class PeriodicDue:
    inspection_month: dt.date  # first day of the inspection month
    months_since_registration: int
    stage: Stage


def periodic_stages(inspection_month: dt.date) -> list[Stage]:
    reminders = ConsentCategory.REMINDERS.value
    return [Stage("pre", add_months(inspection_month, -1), reminders, 1), Stage("month", inspection_month, reminders, 2)]


def periodic_stage_due(inspection_month: dt.date, *, after: dt.date, on: dt.date) -> Stage | None:
    """Latest stage ≤ on, if in (after, on] and still relevant ("pre" only before the month,
    "month" only within it)."""
    next_month = add_months(inspection_month, 1)
    relevant = [
        s for s in periodic_stages(inspection_month)
        if s.send_on <= on and (on < inspection_month if s.stage == "pre" else on < next_month)
    ]
    if not relevant:
        return None
    latest = max(relevant, key=lambda s: (s.send_on, s.rank))
    return latest if latest.send_on > after else None


def first_days_between(after: dt.date, on: dt.date) -> Iterable[dt.date]:
    day = add_months(month_start(after), 1)
    while day <= on:
        yield day
        day = add_months(day, 1)


def periodic_due_table(config: PeriodicConfig, *, after: dt.date, on: dt.date) -> list[tuple[int, int, PeriodicDue]]:
    """(first-registration year, month, due) for every registration month with a stage to insert."""
    candidates = set()
    for first in first_days_between(after, on):
        candidates.update({first, add_months(first, 1)})
    menu = periodic_menu(config)
    rows = []
    for inspection_month in sorted(candidates):
        stage = periodic_stage_due(inspection_month, after=after, on=on)
        if stage is None:
            continue
        for months in menu:
            registered = add_months(inspection_month, -months)
            rows.append((registered.year, registered.month, PeriodicDue(inspection_month, months, stage)))
    return rows


def shaken_first_months(vehicle_class: str, use: str) -> int:
    """Validity of the first shaken after new registration (domain §2)."""
    if use == VehicleUse.COMMERCIAL or vehicle_class in (VehicleClass.FREIGHT_LARGE, VehicleClass.BUS):
        return 12
    if use == VehicleUse.RENTAL or vehicle_class in (VehicleClass.KEI_FREIGHT, VehicleClass.FREIGHT_SMALL, VehicleClass.SPECIAL):
        return 24
    return 36


def shaken_renewal_months(vehicle_class: str, use: str) -> int:
    """Validity after the first shaken (domain §2), to find the previous expiry."""
    if use in (VehicleUse.COMMERCIAL, VehicleUse.RENTAL):
        return 12
    if vehicle_class in (VehicleClass.FREIGHT_SMALL, VehicleClass.FREIGHT_LARGE, VehicleClass.BUS):
        return 12
    return 24


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def periodic_covered_by_shaken(
    inspection_month: dt.date, *, expiry: dt.date | None, registered: dt.date, renewal_months: int, first_months: int
) -> bool:
    """The inspection is done with a shaken when a shaken expiry month is within
    [inspection month − 1, inspection month + 2]: the shaken, taken up to 2 months before its
    expiry, falls around the inspection month (a registration on the 1st gives an expiry at the
    end of the month before). The expiries considered: the current one (the certificate's), and
    the previous one (current − renewal period) if a shaken was due then at all, i.e. not
    before the first one (registration + first validity). Mirrored in SQL by
    notice_scan._periodic_not_covered_sql."""
    if expiry is None:
        return False
    target = month_index(inspection_month)
    candidates = [expiry]
    previous = add_months(expiry, -renewal_months)
    if month_index(previous) >= month_index(registered) + first_months - 1:
        candidates.append(previous)
    return any(-1 <= month_index(candidate) - target <= 2 for candidate in candidates)
