"""Simulation of reminders paced to capacity (issue 14 §3), not a timed test.

    make bench BENCH=pacing_simulation ARGS="--cars 1000000 --stores 300 --days 365"

Seeds `--cars` cars over `--stores` stores (manage.py seed_demo) in a database of its own on the
private PostgreSQL (`<db>_seed`), gives each store a capacity from its own expected demand times
a random load factor (`--load 0.55-1.05` by default: on average the demand fits its bay hours,
its peaks may not; bays and daily hours from
that), then plays `--days` days twice from the same copy of that database: once with every send
range 0 (reminders on their usual dates) and once with the default send ranges (paced). Each
day: the daily run, then a synthetic owner model books from the day's reminders (per store a
reply-to-booking chance of 10–40 % per reminder, drawn from a hash of car, due event and stage so
both plays draw the same owners; the visit asked for 0–6 weeks after the reminder, mostly in
weeks 2–3, the next day when the store is closed), then the Results funnel of the last 43 days
is refreshed (as its every-10-minutes task does). It prints:
- the share of store-weeks whose booked hours exceed the bay hours open, and the worst week's
  overload, with and without pacing (weeks from the 7th on: earlier weeks miss the bookings of
  reminders sent before the simulation began);
- the reminders sent outside their stage's send range (must be 0);
- the daily run's time with pacing vs without, measured on the same state: on `--timing-days`
  days of the paced play, the next day's run alternately with the ranges set to 0 and with the
  defaults, each in a rolled-back transaction, `--repeat` times; median, spread, and the ratio
  to the unpaced run (the bound: the same run without the pacing step; goal ≤ 1.3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time

RANGE_FIELDS_ZERO = {
    "shaken_early_range_before": 0, "shaken_early_range_after": 0, "shaken_window_range_after": 0,
    "shaken_late_range_before": 0, "shaken_late_range_after": 0, "shaken_final_range_before": 0,
    "shaken_final_range_after": 0, "periodic_pre_range_before": 0, "periodic_pre_range_after": 0,
    "periodic_month_range_after": 0,
}
WARM_UP_WEEKS = 6
# Synthetic owners: weeks after the reminder they ask for (cumulative percent), per-store chance.
ASK_CUMULATIVE = (15, 45, 75, 90, 97, 100)
CHANCE = (0.10, 0.40)


def _admin_url(socket_dir: str) -> str:
    return f"postgresql://postgres@/postgres?host={socket_dir}"


def _recreate(socket_dir: str, name: str, template: str | None = None) -> str:
    import psycopg

    with psycopg.connect(_admin_url(socket_dir), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return f"postgresql://postgres@/{name}?host={socket_dir}"


def _drop(socket_dir: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(socket_dir), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _child(url: str, argv: list[str]) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tconnect.settings"}
    done = subprocess.run([sys.executable, "-m", "tests.benchmarks", "pacing_simulation", *argv],
                          env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- child: seed ---------------------------------------------------------------------------------

def _seed(args) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from dealers.models import CalendarException, ClosingRule, DealerCompany, Store, StoreHours
    from vehicles.services.capacity import work_types_ensure

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", vehicles=args.cars, stores=args.stores, as_of=args.as_of, seed=args.seed, stdout=sys.stderr)
    seeded = time.perf_counter() - started
    end = args.as_of + dt.timedelta(days=args.days)
    with connection.cursor() as cursor:
        cursor.execute("""SELECT store_id, count(*) FILTER (WHERE shaken_expiry >= %s AND shaken_expiry < %s), count(*)
                          FROM vehicles_vehicle WHERE store_id IS NOT NULL GROUP BY 1""", [args.as_of, end])
        cars = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    rng = random.Random(args.seed)
    ClosingRule.objects.all().delete()
    CalendarException.objects.all().delete()
    StoreHours.objects.all().delete()
    weeks = args.days / 7
    for store in Store.objects.order_by("id"):
        shaken, total = cars.get(store.pk, (0, 0))
        # Booked hours a week if the owners book as the synthetic model says (rough: a due event
        # books once in ~60 % of cases over its stages; a periodic inspection in ~40 %).
        demand = (shaken * 0.6 * 3 + max(total - shaken, 0) * 0.5 * 0.4 * 1.5) / weeks
        capacity = max(demand / rng.uniform(args.load_low, args.load_high), 4.0)  # hours a week
        bays = max(1, math.ceil(capacity / 54))
        day_hours = min(max(capacity / 6 / bays, 2.0), 10.0)
        closes = (dt.datetime.combine(args.as_of, dt.time(9)) + dt.timedelta(minutes=round(day_hours * 4) * 15)).time()
        Store.objects.filter(pk=store.pk).update(service_bays=bays, closed_on_national_holidays=False)
        StoreHours.objects.bulk_create(StoreHours(store=store, weekday=wd, opens_at=dt.time(9), closes_at=closes)
                                       for wd in range(1, 7))
    for company in DealerCompany.objects.all():
        work_types_ensure(company)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seeded_s": seeded, "stores": Store.objects.count(), "cars": sum(t for _s, t in cars.values())}


# -- child: a year of days -------------------------------------------------------------------------

BOOK_SQL = """
INSERT INTO vehicles_appointment (company_id, store_id, vehicle_id, customer_id, starts_at, ends_at, state, due_kind,
    due_event_date, notice_id, note, proposed_times, cancel_reason, created_at, updated_at, confirmed_at, work_type_id)
SELECT n.company_id, v.store_id, n.vehicle_id, n.customer_id, (d.day + time '10:00') AT TIME ZONE 'Asia/Tokyo',
       (d.day + time '10:00') AT TIME ZONE 'Asia/Tokyo' + make_interval(mins => wt.minutes), 'confirmed', n.kind,
       n.event_date, n.id, '', '[]'::jsonb, '', now(), now(), now(), wt.id
FROM notifications_notice n
JOIN vehicles_vehicle v ON v.id = n.vehicle_id
JOIN unnest(%(store)s::bigint[], %(chance)s::float8[]) AS r(store_id, chance) ON r.store_id = v.store_id
JOIN vehicles_worktype wt ON wt.company_id = n.company_id
     AND wt.code = CASE n.kind WHEN 'shaken' THEN 'shaken' ELSE 'inspection_12m' END
CROSS JOIN LATERAL (SELECT abs(hashtext('w:' || n.vehicle_id || ':' || n.event_date || ':' || n.stage)) %% 100 AS w,
                           abs(hashtext('d:' || n.vehicle_id || ':' || n.event_date || ':' || n.stage)) %% 7 AS d) h
CROSS JOIN LATERAL (SELECT n.send_on + 7 * (CASE WHEN h.w < 15 THEN 0 WHEN h.w < 45 THEN 1 WHEN h.w < 75 THEN 2
                                               WHEN h.w < 90 THEN 3 WHEN h.w < 97 THEN 4 ELSE 5 END) + h.d AS asked) a
CROSS JOIN LATERAL (SELECT CASE WHEN extract(isodow FROM a.asked) = 1 THEN a.asked + 1 ELSE a.asked END AS day) d
WHERE n.send_on = %(day)s AND n.kind IN ('shaken', 'periodic') AND n.category = 'reminders'
  AND abs(hashtext('b:' || n.vehicle_id || ':' || n.event_date || ':' || n.stage)) %% 10000 < r.chance * 10000
ON CONFLICT DO NOTHING
"""


class _Rollback(Exception):
    pass


def _timed_run(day: dt.date, *, ranges: dict | None) -> float:
    """The run of `day` on the current state, rolled back; `ranges` overrides every policy."""
    from django.db import transaction

    from notifications.models import ReminderPolicy
    from notifications.services.daily_run import daily_run

    elapsed = 0.0
    try:
        with transaction.atomic():
            if ranges is not None:
                ReminderPolicy.objects.update(**ranges)
            started = time.perf_counter()
            daily_run(business_date=day, queue_outbox=False)
            elapsed = (time.perf_counter() - started) * 1000
            raise _Rollback
    except _Rollback:
        pass
    return elapsed


def _year(args) -> dict:
    from django.db import connection
    from django.db.models import Max

    from dealers.models import DealerCompany, Store
    from notifications.models import Notice, ReminderPolicy
    from notifications.services.daily_run import daily_run
    from notifications.services.funnel import funnel_days_refresh

    args.seeded_notices = Notice.objects.aggregate(last=Max("id"))["last"] or 0  # seed_demo's, not the play's
    for company in DealerCompany.objects.all():
        ReminderPolicy.objects.get_or_create(company=company)
    if args.child == "usual":
        ReminderPolicy.objects.update(**RANGE_FIELDS_ZERO)
    rng = random.Random(args.seed + 1)
    stores = list(Store.objects.order_by("id").values_list("id", flat=True))
    chances = [rng.uniform(*CHANCE) for _ in stores]
    run_ms, timings = [], []
    timing_every = max(args.days // (args.timing_days + 1), 1)
    defaults = {name: ReminderPolicy._meta.get_field(name).default for name in RANGE_FIELDS_ZERO}
    for offset in range(args.days):
        day = args.as_of + dt.timedelta(days=offset)
        started = time.perf_counter()
        daily_run(business_date=day, queue_outbox=False)
        run_ms.append((time.perf_counter() - started) * 1000)
        with connection.cursor() as cursor:
            cursor.execute(BOOK_SQL, {"store": stores, "chance": chances, "day": day})
        funnel_days_refresh(since=day - dt.timedelta(days=43), until=day)
        if args.child == "paced" and offset and offset % timing_every == 0 and len(timings) < args.timing_days:
            sample = {"day": (day + dt.timedelta(days=1)).isoformat(), "without": [], "with": []}
            for attempt in range(args.repeat):  # alternate, so load changes hit both alike
                order = (("without", RANGE_FIELDS_ZERO), ("with", defaults))
                for name, ranges in order if attempt % 2 == 0 else reversed(order):
                    sample[name].append(_timed_run(day + dt.timedelta(days=1), ranges=ranges))
            timings.append(sample)
        if offset % 30 == 29:
            print(f"  {args.child}: day {offset + 1}/{args.days}", file=sys.stderr, flush=True)
    return {"run_ms": run_ms, "timings": timings, **_outcome(args), **_ranges_check(args)}


def _outcome(args) -> dict:
    """Booked vs open bay hours per store and week, weeks after the warm-up."""
    from django.db import connection

    from notifications.selectors.reminder_pacing import capacity_minutes, paced_stores

    first = args.as_of + dt.timedelta(days=7 * WARM_UP_WEEKS)
    first += dt.timedelta(days=(7 - first.weekday()) % 7)  # a Monday
    weeks = (args.as_of + dt.timedelta(days=args.days) - first).days // 7
    if weeks <= 0:
        return {"store_weeks": 0, "over": 0, "worst": 0.0, "worst_hours": 0.0, "mean_load": 0.0}
    stores = paced_stores()
    capacity = capacity_minutes(stores, first=first, days=7 * weeks)
    with connection.cursor() as cursor:
        cursor.execute("""SELECT store_id, ((starts_at AT TIME ZONE 'Asia/Tokyo')::date - %s::date) / 7,
                                 sum(extract(epoch FROM ends_at - starts_at)) / 60
                          FROM vehicles_appointment WHERE state = 'confirmed' AND notice_id IS NOT NULL
                            AND starts_at >= (%s::date + time '00:00') AT TIME ZONE 'Asia/Tokyo'
                            AND starts_at < (%s::date + time '00:00') AT TIME ZONE 'Asia/Tokyo'
                          GROUP BY 1, 2""", [first, first, first + dt.timedelta(days=7 * weeks)])
        booked = {(store, week): float(minutes) for store, week, minutes in cursor.fetchall()}
    over, worst, worst_hours, loads = 0, 0.0, 0.0, []
    for store in stores:
        for week in range(weeks):
            cap = sum(capacity[store.pk][7 * week:7 * week + 7])
            used = booked.get((store.pk, week), 0.0)
            if cap <= 0:
                continue
            loads.append(used / cap)
            if used > cap:
                over += 1
                if used / cap - 1 > worst:
                    worst, worst_hours = used / cap - 1, (used - cap) / 60
    return {"store_weeks": len(loads), "over": over, "worst": worst, "worst_hours": worst_hours,
            "mean_load": statistics.mean(loads) if loads else 0.0}


def _ranges_check(args) -> dict:
    """Reminders sent outside their stage's send range (by the policy the play used)."""
    from notifications.models import Notice, ReminderPolicy
    from notifications.services import notice_scan, schedules

    policies = {p.company_id: p for p in ReminderPolicy.objects.all()}
    outside, checked = 0, 0
    # The reminders the play's daily runs wrote (seed_demo's demo day writes a few of its own).
    rows = Notice.objects.filter(kind__in=["shaken", "periodic"], category="reminders", id__gt=args.seeded_notices).values_list(
        "company_id", "kind", "stage", "event_date", "send_on").iterator(chunk_size=20_000)
    cache: dict = {}
    for company_id, kind, stage, event_date, send_on in rows:
        policy = policies[company_id]
        key = (company_id, kind, event_date)
        if key not in cache:
            if kind == "shaken":
                ranged = schedules.shaken_ranged_stages(event_date, notice_scan._shaken_config(policy),
                                                        notice_scan._shaken_ranges(policy))
            else:
                ranged = schedules.periodic_ranged_stages(event_date, notice_scan._periodic_ranges(policy))
            cache[key] = {r.stage.stage: (r.first, r.last) for r in ranged}
        span = cache[key].get(stage)
        checked += 1
        if span is None or not span[0] <= send_on <= span[1]:
            outside += 1
    return {"reminders": checked, "outside": outside}


# -- parent ------------------------------------------------------------------------------------------

def _print(args, seed: dict, usual: dict, paced: dict) -> None:
    print(f"\npacing simulation: {seed['cars']:,} cars over {seed['stores']} stores, {args.days} days from {args.as_of}, "
          f"store load {args.load} (seeded in {seed['seeded_s']:.0f} s)")
    for name, play in (("usual dates", usual), ("paced", paced)):
        share = play["over"] / play["store_weeks"] if play["store_weeks"] else 0.0
        print(f"  {name:<12} store-weeks over capacity {play['over']:>5} of {play['store_weeks']:>5} = {share:6.1%}; "
              f"worst week {play['worst']:+.0%} over ({play['worst_hours']:.1f} h); mean load {play['mean_load']:.0%}; "
              f"reminders {play['reminders']:,}, outside their range {play['outside']}")
    print(f"  daily run over the year: median {statistics.median(usual['run_ms']):.1f} ms usual dates, "
          f"{statistics.median(paced['run_ms']):.1f} ms paced (different states: reference only)")
    ratios, withs, withouts = [], [], []
    for sample in paced["timings"]:
        w, wo = statistics.median(sample["with"]), statistics.median(sample["without"])
        withs.append(w)
        withouts.append(wo)
        ratios.append(w / wo)
        print(f"  {sample['day']}: with pacing {w:7.1f} ms (runs {', '.join(f'{x:.0f}' for x in sample['with'])}), "
              f"without {wo:7.1f} ms (runs {', '.join(f'{x:.0f}' for x in sample['without'])}), ratio {w / wo:.2f}")
    if ratios:
        print(f"  daily run with pacing vs without (same state, the unpaced run is the bound): median {statistics.median(withs):.1f} "
              f"vs {statistics.median(withouts):.1f} ms, ratio median {statistics.median(ratios):.2f} "
              f"(spread {min(ratios):.2f}–{max(ratios):.2f}); goal ≤ 1.3")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks pacing_simulation", description=__doc__.splitlines()[0])
    parser.add_argument("--cars", type=int, default=1_000_000)
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    parser.add_argument("--db", default="pacing_sim", help="database name prefix on the private server")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--load", default="0.55-1.05",
                        help="range of the stores' expected load (demand / bay hours), e.g. 0.4-0.8")
    parser.add_argument("--timing-days", type=int, default=5, help="days at which with/without pacing is timed")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each at every timing day")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--child", choices=["seed", "usual", "paced"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        args.load_low, args.load_high = (float(x) for x in args.load.split("-"))
    except ValueError:
        parser.error(f"--load: expected LOW-HIGH such as 0.55-1.05, got {args.load!r}")
    if not 0 < args.load_low <= args.load_high:
        parser.error("--load: expected 0 < LOW <= HIGH")
    if args.child:
        import django

        django.setup()
        result = _seed(args) if args.child == "seed" else _year(args)
        print(json.dumps(result))
        return 0
    from tconnect.devstack import start_postgres

    # The private server, started (or joined) for the whole simulation; the handle stops it when
    # this process ends if it started it.
    server, url = start_postgres()
    socket_dir = url.split("host=", 1)[1]
    common = ["--cars", str(args.cars), "--stores", str(args.stores), "--days", str(args.days), "--as-of",
              args.as_of.isoformat(), "--seed", str(args.seed), "--timing-days", str(args.timing_days),
              "--repeat", str(args.repeat), "--load", args.load]
    seed_db = f"{args.db}_seed"
    print(f"seeding {args.cars:,} cars over {args.stores} stores into {seed_db} …", flush=True)
    seed = _child(_recreate(socket_dir, seed_db), [*common, "--child", "seed"])
    plays = {}
    for mode in ("usual", "paced"):
        print(f"playing {args.days} days, {mode} …", flush=True)
        started = time.perf_counter()
        plays[mode] = _child(_recreate(socket_dir, f"{args.db}_{mode}", template=seed_db), [*common, "--child", mode])
        print(f"  {mode}: {time.perf_counter() - started:.0f} s", flush=True)
    _print(args, seed, plays["usual"], plays["paced"])
    del server
    if not args.keep:
        for name in (seed_db, f"{args.db}_usual", f"{args.db}_paced"):
            _drop(socket_dir, name)
    return 0
