"""Reminders paced to each store's capacity (issue 14 §3): the per-store budget the daily run's
scans read.

The model, per store (a few numbers per store, never per car; the cars are ranked in SQL by
services.notice_scan):
- a reminder of kind K sent today brings `rate(K)` bookings of the work K books (shaken → the
  shaken work type's minutes, periodic → the 12-month inspection's), spread over the weeks
  after it as owners usually ask (ASK_SPREAD: share per week after the send);
- `rate(K)` is the store's own: bookings / reminders over the 90 days of sends whose replies are
  in (sent ASK_DAYS to ASK_DAYS + 90 days ago; the Results funnel's rows), once at least
  MIN_SENT_FOR_RATE were sent; until then DEFAULT_RATES;
- the free capacity of a week = bay minutes open (bays × the calendar's hours) − minutes
  already booked − the expected bookings of the reminders sent before today and not booked yet;
- `budget` = the most expected booking minutes that today's sends can add without pushing any
  week they will ask for over its free capacity; `steady` = the free minutes per day of the
  horizon (what a steady daily send can fill).
The daily run then sends, per store: every stage whose range ends today (never later); the
stages whose usual date has come, earliest first, while the budget lasts (the others wait,
within their range); and stages whose usual date is still ahead only to bring forward what the
coming days' usual sends exceed at the steady rate, within the budget.

A store with no capacity configured (no bays, or no open hours in the horizon) cannot be paced:
its reminders go on their usual date, as without ranges (documented in the settings page).
Reminders sent earlier today count against the budget, so a re-run of the day adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from dealers.models import Store
from notifications.selectors import reminder_pacing as reads
from notifications.services import notice_scan, schedules

# Share of a reminder's bookings asked for in week 1, 2, … after it is sent (unconfirmed:
# a default until learned; it sums to 1).
ASK_SPREAD = (0.20, 0.30, 0.25, 0.15, 0.07, 0.03)
ASK_DAYS = 7 * len(ASK_SPREAD)
# Reply-to-booking rate per kind until a store has sent MIN_SENT_FOR_RATE in its 90 days.
DEFAULT_RATES = {"shaken": 0.30, "periodic": 0.15}
MIN_SENT_FOR_RATE = 100
RATE_DAYS = 90


def _day_share(offset: int) -> float:
    """Share of a reminder's bookings asked for `offset` days after it was sent."""
    return ASK_SPREAD[offset // 7] / 7 if 0 <= offset < ASK_DAYS else 0.0


def landing(send_day: dt.date, *, first: dt.date, days: int) -> list[float]:
    """Share of a reminder sent on `send_day`'s bookings that falls on each day from `first`."""
    return [_day_share((first + dt.timedelta(days=i) - send_day).days) for i in range(days)]


def weekly(per_day: list[float], first: dt.date) -> list[float]:
    """Sum per calendar week (Monday to Sunday) of a per-day series starting at `first`."""
    out: list[float] = []
    monday = first - dt.timedelta(days=first.weekday())
    for i, value in enumerate(per_day):
        week = (first + dt.timedelta(days=i) - monday).days // 7
        while len(out) <= week:
            out.append(0.0)
        out[week] += value
    return out


@dataclass
class StoreLoad:
    """One store's figures over the horizon (per calendar week from the week of `on`)."""

    store_id: int
    capacity: list[float]
    booked: list[float]
    expected: list[float]  # expected bookings of reminders already sent (minutes)
    costs: dict[str, float] = field(default_factory=dict)  # expected booking minutes per reminder
    rates: dict[str, float] = field(default_factory=dict)
    learned: dict[str, bool] = field(default_factory=dict)

    @property
    def free(self) -> list[float]:
        return [c - b - e for c, b, e in zip(self.capacity, self.booked, self.expected, strict=True)]

    @property
    def has_capacity(self) -> bool:
        return sum(self.capacity) > 0


@dataclass(frozen=True)
class StoreBudget:
    store_id: int
    budget: float  # expected booking minutes today's sends may add
    steady: float  # free minutes per day over the horizon
    costs: dict[str, float]


def _rates(counts, *, on: dt.date) -> dict[tuple[int, str], tuple[float, bool]]:
    since, until = on - dt.timedelta(days=ASK_DAYS + RATE_DAYS), on - dt.timedelta(days=ASK_DAYS)
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for store_id, kind, send_on, sent, booked in counts:
        if since <= send_on < until:
            sums[(store_id, kind)][0] += sent
            sums[(store_id, kind)][1] += booked
    return {key: (booked / sent, True) for key, (sent, booked) in sums.items() if sent >= MIN_SENT_FOR_RATE}


def store_loads(*, on: dt.date, stores: list[Store] | None = None, days: int | None = None) -> dict[int, StoreLoad]:
    """Capacity, booked minutes and expected bookings per store and week, from `on` (the days
    of `on`'s week before it are not counted) over `days` days (default: the weeks a reminder
    sent today reaches)."""
    stores = reads.paced_stores() if stores is None else stores
    monday = on - dt.timedelta(days=on.weekday())
    days = days or (monday + dt.timedelta(days=7 * (len(ASK_SPREAD) + 1)) - on).days
    capacity = reads.capacity_minutes(stores, first=on, days=days)
    booked = reads.booked_minutes(first=on, days=days)
    counts = reads.funnel_counts(since=on - dt.timedelta(days=ASK_DAYS + RATE_DAYS), until=on)
    rates = _rates(counts, on=on)
    minutes = reads.work_minutes()
    loads: dict[int, StoreLoad] = {}
    for store in stores:
        load = StoreLoad(store.pk, weekly([float(m) for m in capacity[store.pk]], on),
                         weekly([float(m) for m in booked.get(store.pk, [0] * days)], on), [])
        for kind, default in DEFAULT_RATES.items():
            rate, learned = rates.get((store.pk, kind), (default, False))
            load.rates[kind], load.learned[kind] = rate, learned
            load.costs[kind] = rate * minutes.get((store.company_id, kind), reads.DEFAULT_MINUTES[kind])
        loads[store.pk] = load
    # Reminders sent in the last ASK_DAYS and not booked yet: their bookings still to come.
    pending: dict[int, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for store_id, kind, send_on, sent, booked_count in counts:
        if store_id in loads and send_on >= on - dt.timedelta(days=ASK_DAYS):
            pending[store_id][send_on] += max(sent - booked_count, 0) * loads[store_id].costs[kind]
    shapes = {on - dt.timedelta(days=i): weekly(landing(on - dt.timedelta(days=i), first=on, days=days), on)
              for i in range(1, ASK_DAYS + 1)}
    for store_id, load in loads.items():
        expected = [0.0] * len(load.capacity)
        for send_on, minutes_sent in pending.get(store_id, {}).items():
            for week, share in enumerate(shapes[send_on]):
                expected[week] += minutes_sent * share
        load.expected = expected
    return loads


def budget_of(load: StoreLoad, *, on: dt.date, days: int) -> StoreBudget | None:
    """The store's budget for today's sends (see the module docstring); None: not paced."""
    if not load.has_capacity:
        return None
    shares = weekly(landing(on, first=on, days=days), on)
    free = load.free
    # Weeks the store is closed throughout take no bookings: owners ask for the open ones.
    limits = [max(f, 0.0) / s for f, s, c in zip(free, shares, load.capacity, strict=True) if s > 0 and c > 0]
    budget = min(limits) if limits else 0.0
    steady = max(sum(free), 0.0) / days
    return StoreBudget(load.store_id, budget, steady, dict(load.costs))


def pacing_budgets(*, on: dt.date) -> dict[int, StoreBudget]:
    """Per store id: today's budget (stores without capacity are left out: not paced), less what
    reminders already sent today (an earlier run of the day) expect."""
    monday = on - dt.timedelta(days=on.weekday())
    days = (monday + dt.timedelta(days=7 * (len(ASK_SPREAD) + 1)) - on).days
    budgets = {}
    for store_id, load in store_loads(on=on, days=days).items():
        budget = budget_of(load, on=on, days=days)
        if budget is not None:
            budgets[store_id] = budget
    return budgets


def spent_today(budgets: dict[int, StoreBudget], *, on: dt.date) -> dict[int, float]:
    """Expected booking minutes of the paced kinds' reminders already sent on `on`, per store."""
    spent: dict[int, float] = defaultdict(float)
    for store_id, kind, count in reads.sent_on_day(on):
        if store_id in budgets:
            spent[store_id] += count * budgets[store_id].costs.get(kind, 0.0)
    return spent


def budget_table(budgets: dict[int, StoreBudget], *, kind: str, on: dt.date) -> dict[str, list]:
    """The SQL parameters of one scan: per store, what is left of today's budget, the steady
    rate and the cost of one reminder of `kind`."""
    spent = spent_today(budgets, on=on)
    rows = sorted(budgets.values(), key=lambda b: b.store_id)
    return {
        "b_store": [b.store_id for b in rows],
        "b_budget": [max(b.budget - spent.get(b.store_id, 0.0), 0.0) for b in rows],
        "b_steady": [b.steady for b in rows],
        "b_cost": [b.costs.get(kind, 0.0) for b in rows],
    }


# -- The forecast on the settings page (issue 14 §3) -------------------------------------------

FORECAST_WEEKS = 12


@dataclass
class Bucket:
    """Cars of one store whose reminder stage of one kind has the same usual date and range."""

    kind: str
    usual: dt.date
    first: dt.date
    last: dt.date
    count: int
    left: int = 0


@dataclass(frozen=True)
class ForecastWeek:
    monday: dt.date
    capacity_hours: float
    booked_hours: float
    without_hours: float  # booked + expected bookings, reminders on their usual dates
    paced_hours: float  # the same with the reminders paced

    @property
    def over_without(self) -> bool:
        return self.without_hours > self.capacity_hours

    @property
    def over_paced(self) -> bool:
        return self.paced_hours > self.capacity_hours


@dataclass
class Forecast:
    store_id: int
    weeks: list[ForecastWeek]
    rates: dict[str, float]
    learned: dict[str, bool]
    paced: bool  # False: no capacity configured or no send ranges (usual dates)

    @property
    def peak_hours(self) -> float:
        return max([1.0, *(max(w.capacity_hours, w.without_hours, w.paced_hours) for w in self.weeks)])


def _send(load: list[float], count: float, cost: float, day: dt.date, first: dt.date, days: int) -> None:
    for week, share in enumerate(weekly(landing(day, first=first, days=days), first)):
        if week < len(load):
            load[week] += count * cost * share


def _pace_day(buckets: list[Bucket], load: list[float], capacity: list[float], costs: dict[str, float],
              day: dt.date, first: dt.date, days: int) -> list[tuple[Bucket, int]]:
    """The daily run's rule (notice_scan._paced_sql) on counts: what goes out on `day`."""
    open_ = [b for b in buckets if b.left and b.first <= day <= b.last]
    shares = weekly(landing(day, first=first, days=days), first)
    reach = [w for w, share in enumerate(shares) if share > 0 and w < len(capacity) and capacity[w] > 0]
    budget = min((max(capacity[w] - load[w], 0.0) / shares[w] for w in reach), default=0.0)
    steady = max(sum(capacity[w] - load[w] for w in reach), 0.0) / max(len(reach) * 7, 1)
    early = [b for b in open_ if b.last > day and b.usual > day]
    early_demand = sum(b.left * costs[b.kind] for b in early)
    early_days = max(((b.usual - day).days for b in early), default=0)
    allowance = early_demand - early_days * steady
    sends: list[tuple[Bucket, int]] = []
    spent = spent_early = 0.0
    ordered = sorted(open_, key=lambda b: (0 if b.last <= day else 1 if b.usual <= day else 2, b.usual))
    for bucket in ordered:
        cost = costs[bucket.kind]
        cls = 0 if bucket.last <= day else 1 if bucket.usual <= day else 2
        if cls == 0:
            count = bucket.left
        else:
            room = budget - spent
            if cls == 2:
                room = min(room, allowance - spent_early)
            count = max(min(bucket.left, int(room // cost) if cost else bucket.left), 0)
        if count:
            sends.append((bucket, count))
            spent += count * cost
            if cls == 2:
                spent_early += count * cost
        if cls and count < bucket.left:
            break  # the ranking stops at the first car that does not fit
    return sends


def forecast(*, store: Store, buckets: list[Bucket], on: dt.date, paced: bool) -> Forecast:
    """Expected bookings vs capacity per week for FORECAST_WEEKS weeks from `on`'s week: the
    bookings held, the expected bookings of reminders already sent, and those of the reminders
    still to go (`buckets`), sent on their usual dates or paced by the daily run's rule."""
    monday = on - dt.timedelta(days=on.weekday())
    days = (monday + dt.timedelta(days=7 * FORECAST_WEEKS) - on).days
    load = store_loads(on=on, stores=[store], days=days)[store.pk]
    base = [b + e for b, e in zip(load.booked, load.expected, strict=True)][:FORECAST_WEEKS]
    without = list(base)
    for bucket in buckets:
        if on <= bucket.usual < on + dt.timedelta(days=days):
            _send(without, bucket.count, load.costs[bucket.kind], bucket.usual, on, days)
    capacity = load.capacity[:FORECAST_WEEKS]
    can_pace = paced and load.has_capacity
    with_pacing = list(base)
    if can_pace:
        for bucket in buckets:
            bucket.left = bucket.count
        for offset in range(days):
            day = on + dt.timedelta(days=offset)
            for bucket, count in _pace_day(buckets, with_pacing, capacity, load.costs, day, on, days):
                bucket.left -= count
                _send(with_pacing, count, load.costs[bucket.kind], day, on, days)
    else:
        with_pacing = list(without)
    weeks = [
        ForecastWeek(monday + dt.timedelta(days=7 * i), round(capacity[i] / 60, 1), round(load.booked[i] / 60, 1),
                     round(without[i] / 60, 1), round(with_pacing[i] / 60, 1))
        for i in range(min(FORECAST_WEEKS, len(capacity)))
    ]
    return Forecast(store.pk, weeks, dict(load.rates), dict(load.learned), can_pace)


def reminder_buckets(*, store: Store, policy, on: dt.date, days: int) -> list[Bucket]:
    """The store's shaken and periodic stages whose usual date falls in the `days` from `on`,
    counted per usual date and range (the company's schedule and send ranges)."""
    # notice_scan holds the policy → schedule mapping the daily run uses (one source of truth).
    shaken_config, shaken_ranges = notice_scan._shaken_config(policy), notice_scan._shaken_ranges(policy)
    periodic_config, periodic_ranges = notice_scan._periodic_config(policy), notice_scan._periodic_ranges(policy)
    end = on + dt.timedelta(days=days)
    out: dict[tuple, Bucket] = {}

    def add(kind: str, ranged: schedules.RangedStage, count: int) -> None:
        if ranged.stage.category != "reminders" or not on <= ranged.stage.send_on < end:
            return
        key = (kind, ranged.stage.send_on, ranged.first, ranged.last)
        bucket = out.setdefault(key, Bucket(kind, ranged.stage.send_on, ranged.first, ranged.last, 0))
        bucket.count += count

    for expiry, count in reads.shaken_expiries(store, since=on, until=end + dt.timedelta(days=400)):
        for ranged in schedules.shaken_ranged_stages(expiry, shaken_config, shaken_ranges):
            add("shaken", ranged, count)
    menu = schedules.periodic_menu(periodic_config)
    month = schedules.month_start(on)
    months = []
    while month < schedules.add_months(end, 2):
        months.append(month)
        month = schedules.add_months(month, 1)
    for year, month_number, expiry_month, count in reads.registration_months(store):
        registered = dt.date(year, month_number, 1)
        for inspection in months:
            since = schedules.month_index(inspection) - schedules.month_index(registered)
            if since not in menu or schedules.periodic_covered_by_shaken(
                inspection, expiry=expiry_month, registered=registered, renewal_months=24, first_months=36
            ):
                continue
            for ranged in schedules.periodic_ranged_stages(inspection, periodic_ranges):
                add("periodic", ranged, count)
    return sorted(out.values(), key=lambda b: (b.usual, b.kind))
