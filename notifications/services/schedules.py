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


# -- Send ranges (issue 14 §3) ----------------------------------------------------------------
# A non-safety stage may go out on any day of [first, last] around its usual date (send_on);
# the daily run picks the day to pace the replies to the store's capacity
# (services.reminder_pacing). Ranges of one due event never overlap (a stage's range ends
# before the next one's begins, and a pre-expiry stage's range by the expiry), so stages
# keep their order; a range of one day is the unpaced stage of before.


@dataclass(frozen=True)
class SendRange:
    before: int = 0
    after: int = 0


@dataclass(frozen=True)
class ShakenRanges:
    """Per shaken stage rank (1 early, 2 window, 3 late, 4 final); lapsed (5) is safety: none."""

    early: SendRange = SendRange()
    window: SendRange = SendRange()
    late: SendRange = SendRange()
    final: SendRange = SendRange()

    def for_rank(self, rank: int) -> SendRange:
        return {1: self.early, 2: self.window, 3: self.late, 4: self.final}.get(rank, SendRange())

    @property
    def paced(self) -> bool:
        return any(r.before or r.after for r in (self.early, self.window, self.late, self.final))


@dataclass(frozen=True)
class PeriodicRanges:
    pre: SendRange = SendRange()
    month: SendRange = SendRange()

    @property
    def paced(self) -> bool:
        return any(r.before or r.after for r in (self.pre, self.month))


@dataclass(frozen=True)
class RangedStage:
    """A stage with its send range; `forced` when this run is the last chance (end reached)."""

    stage: Stage
    first: dt.date
    last: dt.date

    @property
    def paced(self) -> bool:
        return self.first < self.last


def _ranged(stages: list[Stage], ranges: list[SendRange], limits: list[dt.date]) -> list[RangedStage]:
    """Ranges around each stage's date, clipped so that they neither overlap nor pass `limits`
    (the last day each stage still makes sense); a stage left with no day is dropped."""
    out: list[RangedStage] = []
    previous_last: dt.date | None = None
    for index, (stage, send_range, limit) in enumerate(zip(stages, ranges, limits, strict=True)):
        first = stage.send_on - dt.timedelta(days=send_range.before)
        if previous_last is not None:
            first = max(first, previous_last + dt.timedelta(days=1))
        last = stage.send_on + dt.timedelta(days=send_range.after)
        if index + 1 < len(stages):
            # End before the next stage's range begins, but not before this stage's own date
            # (when the next one's "before" reaches that far, the next one starts later).
            following, following_range = stages[index + 1], ranges[index + 1]
            next_first = following.send_on - dt.timedelta(days=following_range.before)
            last = min(last, max(next_first, min(stage.send_on + dt.timedelta(days=1), following.send_on)) - dt.timedelta(days=1))
        last = min(last, limit)
        if first <= last:
            out.append(RangedStage(stage, first, last))
            previous_last = last
    return out


def shaken_ranged_stages(expiry: dt.date, config: ShakenConfig, ranges: ShakenRanges) -> list[RangedStage]:
    stages = shaken_stages(expiry, config)
    return _ranged(
        stages,
        [SendRange() if s.stage == LAPSED else ranges.for_rank(s.rank) for s in stages],
        [s.send_on if s.stage == LAPSED else expiry for s in stages],
    )


def _latest_open(ranged: list[RangedStage], *, after: dt.date, on: dt.date) -> RangedStage | None:
    """The latest stage whose range has begun by `on`, if it can still be sent in this run:
    its range ends after `after` (a range that ended on a finished run had its chance)."""
    begun = [r for r in ranged if r.first <= on]
    if not begun:
        return None
    latest = max(begun, key=lambda r: (r.first, r.stage.rank))
    return latest if latest.last > after else None


def shaken_ranged_due(expiry: dt.date, config: ShakenConfig, ranges: ShakenRanges, *, after: dt.date, on: dt.date) -> RangedStage | None:
    """What a run on `on` covering (after, on] may insert for this expiry: the latest stage
    begun, while relevant (no pre-expiry stage after the expiry)."""
    due = _latest_open(shaken_ranged_stages(expiry, config, ranges), after=after, on=on)
    if due is None or (due.stage.stage != LAPSED and on > expiry):
        return None
    return due


def shaken_ranged_table(config: ShakenConfig, ranges: ShakenRanges, *, after: dt.date, on: dt.date) -> list[tuple[dt.date, RangedStage]]:
    """(expiry, ranged stage) for every expiry with a stage this run may insert."""
    longest = max(config.early_months, config.late_months, 2)
    last = add_months(on, longest) + dt.timedelta(days=4 + MAX_BEFORE_DAYS)
    rows = []
    expiry = after - dt.timedelta(days=1)
    while expiry <= last:
        due = shaken_ranged_due(expiry, config, ranges, after=after, on=on)
        if due is not None:
            rows.append((expiry, due))
        expiry += dt.timedelta(days=1)
    return rows


# The longest range before a stage's date (the policy's validator bounds it).
MAX_BEFORE_DAYS = 30


def periodic_ranged_stages(inspection_month: dt.date, ranges: PeriodicRanges) -> list[RangedStage]:
    stages = periodic_stages(inspection_month)
    next_month = add_months(inspection_month, 1)
    return _ranged(
        stages,
        [ranges.pre, SendRange(0, ranges.month.after)],
        [inspection_month - dt.timedelta(days=1), next_month - dt.timedelta(days=1)],
    )


def periodic_ranged_table(
    config: PeriodicConfig, ranges: PeriodicRanges, *, after: dt.date, on: dt.date
) -> list[tuple[int, int, dt.date, int, RangedStage]]:
    """(registration year, month, inspection month, months since registration, ranged stage)."""
    menu = periodic_menu(config)
    rows = []
    month = add_months(month_start(after), -1)
    while month <= add_months(month_start(on), 2):
        due = _latest_open(periodic_ranged_stages(month, ranges), after=after, on=on)
        # Still relevant on `on`: "pre" only before the month, "month" only within it.
        if due is not None and on < (month if due.stage.stage == "pre" else add_months(month, 1)):
            for months in menu:
                registered = add_months(month, -months)
                rows.append((registered.year, registered.month, month, months, due))
        month = add_months(month, 1)
    return rows
