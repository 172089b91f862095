"""Benchmark of the daily run (issue 3), not a timed test.

    .venv/bin/python -m tests.benchmarks daily_run [--vehicles 1000000] [--db bench] [--dates 7]
        [--odometer-days 365] [--odometer-cars N] [--send-ranges default|off]

Uses a separate database (default `bench`) on the private PostgreSQL server (socket dir from
var/postgres/postmaster.pid), or DATABASE_URL if set; it refuses the `tconnect` database. Seeds
it with `manage.py seed_demo --vehicles N` when it is empty, then for several business dates
(each in a transaction that is rolled back, with the previous day recorded as finished so the
window is one day):
- times the whole daily run (pending deliveries pass, the three notice scans with their
  deliveries, deliveries of other senders, statistics check, inbox), and each step,
- times the pending-deliveries pass that follows it (its own transaction; it scales with
  the navi messages waiting for unpaired cars, not with the day's notices),
- times the re-run of the same date (inserts nothing: the date has finished) and a forced
  re-scan of it (`rescan=True`: every statement again, all conflicts),
- times a lower bound: one hand-written INSERT … SELECT producing the same shaken rows
  (checked: same dedupe keys),
- on the 1st of the next month (periodic inspections: tens of thousands of notices), times the
  run against a write floor: putting the very rows it wrote back from a table that holds them,
and prints the figures, the medians and the ratio run / bound. With odometer history
(`--odometer-days`, default a year for every car; tests/benchmarks/_odometer.py) it also times the
condition-based maintenance refresh (pace, 12 V battery trend, due dates; issue 11) against a bare
INSERT … SELECT aggregate over the same 90 days of readings, checks its answers, and prints the
whole run against the shaken bound plus that aggregate. Worker memory: the peak RSS of
this process before and after the runs (nothing per vehicle is loaded into Python).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def _server_socket_dir() -> str:
    pid_file = BASE_DIR / "var" / "postgres" / "postmaster.pid"
    lines = pid_file.read_text().splitlines() if pid_file.exists() else []
    if len(lines) < 5 or not lines[4].strip():
        raise SystemExit("the private PostgreSQL is not running (start it with `make run` or `make test` once)")
    return lines[4].strip()


def _database_url(name: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] == "tconnect":
            raise SystemExit("refusing to benchmark in the tconnect database: point DATABASE_URL at another one")
        return url
    if name == "tconnect":
        raise SystemExit("refusing to benchmark in the tconnect database")
    import psycopg

    socket_dir = _server_socket_dir()
    with psycopg.connect(f"postgresql://postgres@/postgres?host={socket_dir}", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@/{name}?host={socket_dir}"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


BOUND_SQL = """
INSERT INTO notifications_notice (company_id, vehicle_id, customer_id, kind, stage, category, event_date, send_on,
                                  dedupe_key, language, context, reply_token)
SELECT v.company_id, v.id, v.customer_id, 'shaken', s.stage, s.category, v.shaken_expiry, s.send_on,
       'shaken:' || v.id || ':' || v.shaken_expiry || ':' || s.stage, COALESCE(cu.language, 'ja'),
       jsonb_build_object('expiry', v.shaken_expiry, 'window_opens_on', s.window_opens_on, 'car_name', v.car_name,
                          'plate', v.plate_display, 'store_name', st.name, 'store_phone', st.phone, 'company_name', co.name),
       replace(gen_random_uuid()::text, '-', '')
FROM unnest(%(expiry)s::date[], %(stage)s::text[], %(send_on)s::date[], %(category)s::text[], %(window)s::date[])
     AS s(expiry, stage, send_on, category, window_opens_on)
JOIN vehicles_vehicle v ON v.shaken_expiry = s.expiry
JOIN vehicles_contract c ON c.vehicle_id = v.id
JOIN dealers_store st ON st.id = v.store_id
JOIN dealers_dealercompany co ON co.id = v.company_id
LEFT JOIN vehicles_customer cu ON cu.id = v.customer_id
LEFT JOIN vehicles_serviceavailability sam ON sam.model_code = v.model_code AND sam.equipment = v.equipment
LEFT JOIN vehicles_serviceavailability sad ON sad.model_code = '*' AND sad.equipment = v.equipment
WHERE c.status = 'active' AND c.remote_maintenance AND c.starts_on <= %(on)s AND (c.ends_on IS NULL OR c.ends_on >= %(on)s)
  AND v.equipment <> 'none' AND COALESCE(sam.remote_maintenance, sad.remote_maintenance, TRUE)
  AND st.company_id = v.company_id AND st.participates_in_remote_maintenance AND st.is_active
  AND (s.category = 'safety' OR EXISTS (SELECT 1 FROM vehicles_customerconsent cc
       WHERE cc.customer_id = v.customer_id AND cc.category = s.category AND cc.granted))
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING dedupe_key
"""


class _Rollback(Exception):
    pass


def _prepare(day: dt.date) -> None:
    from django.utils import timezone

    from notifications.models import DailyRun

    now = timezone.now()
    DailyRun.objects.update_or_create(business_date=day - dt.timedelta(days=1), defaults={"started_at": now, "finished_at": now})


def _pending() -> int:
    from notifications.models import Delivery

    return Delivery.objects.filter(status__in=["waiting", "queued"]).count()


def _shaken_keys(day: dt.date) -> set[str]:
    from notifications.models import Notice

    return set(Notice.objects.filter(kind="shaken", send_on=day).values_list("dedupe_key", flat=True))


def _outside_ranges(day: dt.date) -> int:
    """Shaken notices of `day` sent outside their stage's send range (issue 14 §3; must be 0)."""
    from notifications.models import Notice, ReminderPolicy
    from notifications.services import notice_scan, schedules

    policies = {p.company_id: p for p in ReminderPolicy.objects.all()}
    outside = 0
    for company_id, stage, expiry in Notice.objects.filter(kind="shaken", send_on=day).values_list("company_id", "stage", "event_date"):
        policy = policies[company_id]
        spans = {r.stage.stage: (r.first, r.last) for r in schedules.shaken_ranged_stages(
            expiry, notice_scan._shaken_config(policy), notice_scan._shaken_ranges(policy))}
        first, last = spans.get(stage, (None, None))
        outside += not (first is not None and first <= day <= last)
    return outside


STEPS = ("_maintenance_refresh", "_insert_notices", "deliveries.deliveries_create", "_statistics_refresh",
         "deliveries.inbox_deliver_due")


def _instrument(module, timings: dict) -> list:
    """Wrap the run's steps to time them (first call only: the run, not the re-run)."""
    restore = []
    for path in STEPS:
        owner = module
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        real = getattr(owner, name)

        def timed(*args, _real=real, _name=name, **kwargs):
            started = time.perf_counter()
            try:
                return _real(*args, **kwargs)
            finally:
                timings.setdefault(_name, (time.perf_counter() - started) * 1000)

        setattr(owner, name, timed)
        restore.append((owner, name, real))
    return restore


def measure_run(day: dt.date) -> dict:
    from django.db import transaction

    from notifications.services import daily_run as module
    from notifications.services.deliveries import deliveries_refresh

    timings: dict = {}
    restore = _instrument(module, timings)
    try:
        with transaction.atomic():
            _prepare(day)
            started = time.perf_counter()
            result = module.daily_run(business_date=day, queue_outbox=False)
            timings["run_ms"] = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            refreshed = deliveries_refresh(on=day)
            timings["refresh_ms"] = (time.perf_counter() - started) * 1000
            timings["pending"] = _pending()
            timings["refreshed"] = refreshed
            started = time.perf_counter()
            again = module.daily_run(business_date=day, queue_outbox=False)
            timings["rerun_ms"] = (time.perf_counter() - started) * 1000
            assert again.notices_created == 0 and again.deliveries_created == 0, again
            started = time.perf_counter()
            rescan = module.daily_run(business_date=day, queue_outbox=False, rescan=True)
            timings["rescan_ms"] = (time.perf_counter() - started) * 1000
            assert rescan.scanned and rescan.notices_created == 0 and rescan.deliveries_created == 0, rescan
            timings.update(notices=result.notices, deliveries=result.deliveries_created, keys=_shaken_keys(day),
                           outside=_outside_ranges(day))
            raise _Rollback
    except _Rollback:
        pass
    finally:
        for owner, name, real in restore:
            setattr(owner, name, real)
    timings["scans_ms"] = timings["_insert_notices"]
    return timings


def measure_bound(day: dt.date) -> tuple[float, set[str]]:
    from django.db import connection, transaction

    from notifications.services.schedules import ShakenConfig, shaken_due_table, shaken_window_opens

    table = shaken_due_table(ShakenConfig(), after=day - dt.timedelta(days=1), on=day)
    params = {
        "expiry": [e for e, _ in table], "stage": [s.stage for _, s in table], "send_on": [s.send_on for _, s in table],
        "category": [s.category for _, s in table], "window": [shaken_window_opens(e) for e, _ in table], "on": day,
    }
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(BOUND_SQL, params)
            keys = {row[0] for row in cursor.fetchall()}
            elapsed = (time.perf_counter() - started) * 1000
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, keys


def measure_write_floor(day: dt.date) -> tuple[float, int, int]:
    """A lower bound for any way of producing a day's notices: writing the very rows the run
    wrote (notices and deliveries, same tables and indexes) from a table that already holds them.
    In one rolled-back transaction: run the day, copy its new rows aside, delete them, then time
    putting them back. Returns (ms, notices, deliveries)."""
    from django.db import connection, transaction

    from notifications.services.daily_run import daily_run

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _prepare(day)
            cursor.execute("SELECT COALESCE(max(id), 0) FROM notifications_notice")
            notices_from = cursor.fetchone()[0]
            cursor.execute("SELECT COALESCE(max(id), 0) FROM notifications_delivery")
            deliveries_from = cursor.fetchone()[0]
            daily_run(business_date=day, queue_outbox=False)
            cursor.execute("CREATE TEMP TABLE floor_notice ON COMMIT DROP AS SELECT * FROM notifications_notice WHERE id > %s",
                           [notices_from])
            cursor.execute("CREATE TEMP TABLE floor_delivery ON COMMIT DROP AS SELECT * FROM notifications_delivery "
                           "WHERE id > %s", [deliveries_from])
            cursor.execute("DELETE FROM notifications_delivery WHERE id > %s", [deliveries_from])
            cursor.execute("DELETE FROM notifications_notice WHERE id > %s", [notices_from])
            started = time.perf_counter()
            cursor.execute("INSERT INTO notifications_notice SELECT * FROM floor_notice")
            notices = cursor.rowcount
            cursor.execute("INSERT INTO notifications_delivery SELECT * FROM floor_delivery")
            deliveries = cursor.rowcount
            elapsed = (time.perf_counter() - started) * 1000
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, notices, deliveries


def _history(as_of: dt.date, days: int) -> None:
    """Commit `days` daily runs before as_of (once), the e-mail marked sent as the outbox would,
    so the measured runs meet tables with history and current statistics, as in production."""
    from django.db import connection

    from notifications.models import DailyRun
    from notifications.services.daily_run import daily_run

    first = as_of - dt.timedelta(days=days)
    if DailyRun.objects.filter(business_date__gte=first, business_date__lt=as_of, finished_at__isnull=False).count() >= days:
        return
    print(f"committing {days} days of history before {as_of} …", flush=True)
    for offset in range(days):
        daily_run(business_date=first + dt.timedelta(days=offset), queue_outbox=False)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE notifications_delivery SET status = 'delivered', delivered_at = now() WHERE status = 'queued'")
        cursor.execute("VACUUM ANALYZE notifications_notice, notifications_delivery")


def _send_ranges(setting: str) -> None:
    """Every company's reminder policy with the default send ranges, or with all of them 0."""
    from dealers.models import DealerCompany
    from notifications.models import ReminderPolicy
    from notifications.services.policy import RANGE_FIELDS

    for company in DealerCompany.objects.all():
        ReminderPolicy.objects.get_or_create(company=company)
    values = {name: 0 if setting == "off" else ReminderPolicy._meta.get_field(name).default for name in RANGE_FIELDS}
    ReminderPolicy.objects.update(**values)


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM notifications_notice, notifications_delivery, vehicles_telemetryday, vehicles_vehiclemaintenance,"
                       " vehicles_maintenancedue")


def _dates(as_of: dt.date, count: int) -> list[dt.date]:
    days, day = [], as_of + dt.timedelta(days=2)
    while len(days) < count:
        if day.day != 1:
            days.append(day)
        day += dt.timedelta(days=3)
    return days


def _seed(vehicles: int, as_of: dt.date) -> None:
    from django.core.management import call_command

    from vehicles.models import Vehicle

    have = Vehicle.objects.count()
    if have == 0:
        print(f"seeding {vehicles:,} vehicles (as of {as_of}) …", flush=True)
        started = time.perf_counter()
        call_command("seed_demo", vehicles=vehicles, as_of=as_of, stdout=sys.stdout)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    elif have < vehicles * 0.99:
        raise SystemExit(f"the database holds {have:,} vehicles, not {vehicles:,}: drop it or pass --vehicles {have}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks daily_run", description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=1_000_000)
    parser.add_argument("--db", default="bench", help="database on the private server (default bench)")
    parser.add_argument("--dates", type=int, default=7)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    parser.add_argument("--no-migrate", action="store_true", help="the database is migrated already")
    parser.add_argument("--history-days", type=int, default=14, help="daily runs committed before --as-of (default 14)")
    parser.add_argument("--repeat", type=int, default=2, help="measurements per date; the fastest counts (default 2)")
    parser.add_argument("--odometer-days", type=int, default=365,
                        help="days of odometer history (one reading a day) per car, ending now (default 365; 0: none)")
    parser.add_argument("--odometer-cars", type=int, default=-1, help="cars with that history (default: all)")
    parser.add_argument("--send-ranges", choices=["default", "off"], default="off",
                        help="the reminder schedules' send ranges (issue 14 §3): all 0 (default: usual dates, the run's "
                             "shaken rows must equal the bound's, the figures of before) or the shipped defaults (paced; "
                             "the measured dates follow the history without the days between, so a paced run meets a "
                             "catch-up backlog of its open ranges: a worst case. The pacing's cost on consecutive days "
                             "is measured by pacing_simulation)")
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = _database_url(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tconnect.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if not args.no_migrate:
        call_command("migrate", verbosity=0)
    _seed(args.vehicles, args.as_of)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM vehicles_vehicle")
        total = cursor.fetchone()[0]

    from django.utils import timezone

    from tests.benchmarks import _odometer

    now = timezone.now()
    odometer_cars = total if args.odometer_cars < 0 else min(args.odometer_cars, total)
    readings = _odometer.seed(odometer_cars, args.odometer_days, now) if args.odometer_days > 0 else 0
    _send_ranges(args.send_ranges)
    _history(args.as_of, args.history_days)
    rss_before = _rss_mb()
    measure_run(args.as_of)  # warm-up (caches, plans)
    measure_bound(args.as_of)
    rows, refreshes, raw_pace_bounds = [], [], []
    for day in _dates(args.as_of, args.dates):
        runs, bounds, pace_bounds, maintenance, raw_bounds = [], [], [], [], []
        for _attempt in range(args.repeat):  # alternate, keep the fastest of each (the machine is shared)
            _vacuum()  # the rolled-back runs leave dead rows behind
            bound_ms, bound_keys = measure_bound(day)
            pace_bound = _odometer.measure_bound(timezone.now())
            pace_bound_ms, bound_rows = pace_bound["bound_ms"], pace_bound["rows"]
            raw_bounds.append(pace_bound["readings_bound_ms"])
            refresh = _odometer.measure_refresh(day, timezone.now())
            assert not refresh["wrong"], f"{day}: the maintenance refresh is wrong: {refresh['wrong']}"
            assert refresh["paces"] == bound_rows, f"{day}: {refresh['paces']} paces for {bound_rows} cars with history"
            run = measure_run(day)
            if args.send_ranges == "off":
                assert bound_keys == run["keys"], f"{day}: the bound and the run differ ({len(bound_keys)} vs {len(run['keys'])})"
            else:  # paced: other days within the ranges; none outside (checked), the bound counts the usual dates
                assert run["outside"] == 0, f"{day}: {run['outside']} shaken notices outside their send range"
            runs.append(run)
            bounds.append(bound_ms)
            pace_bounds.append(pace_bound_ms)
            maintenance.append(refresh)
        refreshes.append((day, min(maintenance, key=lambda r: r["refresh_ms"]), min(pace_bounds),
                          min(maintenance, key=lambda r: r["pace_ms"])["pace_ms"]))
        raw_pace_bounds.append(min(raw_bounds))
        fastest = min(runs, key=lambda r: r["run_ms"])
        fastest["rerun_ms"] = min(r["rerun_ms"] for r in runs)
        fastest["rescan_ms"] = min(r["rescan_ms"] for r in runs)
        fastest["refresh_ms"] = min(r["refresh_ms"] for r in runs)
        rows.append((day, fastest, min(bounds)))
    first = dt.date(args.as_of.year + (args.as_of.month == 12), args.as_of.month % 12 + 1, 1)
    _vacuum()
    first_floor, floor_notices, floor_deliveries = measure_write_floor(first)
    _vacuum()
    first_run = measure_run(first)
    first_bound, _keys = measure_bound(first)
    rss_after = _rss_mb()

    print(f"\ndaily run benchmark: {total:,} vehicles, database {connection.settings_dict['NAME']}, send ranges "
          f"{args.send_ranges} (issue 14 §3; 'default': paced, no shaken notice outside its range on any date)")
    print(f"{'date':<12}{'shaken':>8}{'notices':>9}{'deliv.':>8}{'run ms':>9}{'scans ms':>10}{'bound ms':>10}"
          f"{'ratio':>7}{'rerun ms':>10}{'rescan ms':>11}{'pass ms':>9}{'pending':>9}")
    for day, run, bound_ms in rows:
        notices = sum(run["notices"].values())
        print(f"{day!s:<12}{run['notices']['shaken']:>8}{notices:>9}{run['deliveries']:>8}{run['run_ms']:>9.1f}"
              f"{run['scans_ms']:>10.1f}{bound_ms:>10.1f}{run['run_ms'] / bound_ms:>7.2f}{run['rerun_ms']:>10.1f}"
              f"{run['rescan_ms']:>11.1f}{run['refresh_ms']:>9.1f}{run['pending']:>9}")
    run_median = statistics.median(r["run_ms"] for _, r, _ in rows)
    scans_median = statistics.median(r["scans_ms"] for _, r, _ in rows)
    bound_median = statistics.median(b for _, _, b in rows)
    rerun_median = statistics.median(r["rerun_ms"] for _, r, _ in rows)
    rescan_median = statistics.median(r["rescan_ms"] for _, r, _ in rows)
    ratio_median = statistics.median(r["run_ms"] / b for _, r, b in rows)
    scans_ratio = statistics.median(r["scans_ms"] / b for _, r, b in rows)
    print(f"\nmedian: run {run_median:.1f} ms (notice scans {scans_median:.1f} ms), bound {bound_median:.1f} ms, "
          f"ratio {ratio_median:.2f} (median of the per-date ratios; target ≤ 2), re-run {rerun_median:.1f} ms "
          f"({rerun_median / run_median:.1%} of the run); forced re-scan {rescan_median:.1f} ms "
          f"({rescan_median / run_median:.0%})")
    refresh_median = statistics.median(r["refresh_ms"] for _, r, _ in rows)
    print(f"pending-deliveries pass (own transaction, every 15 min and after the run): {refresh_median:.1f} ms "
          f"over ~{rows[0][1]['pending']:,} pending deliveries")
    print(f"the notice scans alone (notices + their deliveries, all kinds) vs the bound: ratio {scans_ratio:.2f}")
    print(f"first of the month {first}: run {first_run['run_ms']:.1f} ms with {sum(first_run['notices'].values())} notices "
          f"({first_run['notices']}), shaken bound {first_bound:.1f} ms")
    print(f"  vs writing the same {floor_notices:,} notices and {floor_deliveries:,} deliveries from a table that holds "
          f"them: {first_floor:.1f} ms, ratio {first_run['run_ms'] / first_floor:.2f}")
    steps = {name.rsplit(".", 1)[-1]: statistics.median(r[name.rsplit(".", 1)[-1]] for _, r, _ in rows) for name in STEPS}
    print("median per step (ms): " + ", ".join(f"{name} {ms:.1f}" for name, ms in steps.items()))
    print(f"peak RSS: {rss_before:.0f} MB before the runs, {rss_after:.0f} MB after")
    _print_maintenance(rows, refreshes, odometer_cars, args.odometer_days, readings, raw_pace_bounds)
    return 0


def _print_maintenance(rows, refreshes, cars: int, days: int, readings: int, raw_bounds: list[float]) -> None:
    """Issue 11 §5: the pace/due refresh against a bare aggregate over the same rows, and the whole
    run (with the refresh and the maintenance scan) against its bound (the shaken INSERT … SELECT
    plus that aggregate)."""
    if not refreshes:
        return
    print(f"\ncondition-based maintenance: {cars:,} cars with {days} days of odometer history ({readings:,} readings)")
    print("bound: a bare INSERT … SELECT of the same aggregates over the rows the refresh reads (the day roll-ups of the "
          "90-day window, and the readings it rolls up); raw b.: the 90-day aggregate over the raw readings")
    print(f"{'date':<12}{'roll ms':>8}{'pace ms':>9}{'battery':>9}{'due ms':>8}{'refresh':>9}{'bound ms':>10}{'raw b.':>8}"
          f"{'pace/b':>8}{'all/b':>7}{'all/raw':>8}{'due rows':>10}{'maint.':>8}")
    for (day, refresh, bound, pace_fastest), (_day, run, _b), raw in zip(refreshes, rows, raw_bounds, strict=True):
        print(f"{day!s:<12}{refresh['roll_ms']:>8.1f}{pace_fastest:>9.1f}{refresh['battery_ms']:>9.1f}{refresh['due_ms']:>8.1f}"
              f"{refresh['refresh_ms']:>9.1f}{bound:>10.1f}{raw:>8.1f}{pace_fastest / bound:>8.2f}"
              f"{refresh['refresh_ms'] / bound:>7.2f}{refresh['refresh_ms'] / raw:>8.2f}"
              f"{refresh['due_changed']:>10}{run['notices'].get('maintenance', 0):>8}")
    pace_ratio = statistics.median(p / b for _d, _r, b, p in refreshes)
    all_ratio = statistics.median(r["refresh_ms"] / b for _d, r, b, _p in refreshes)
    spread = [r["refresh_ms"] / b for _d, r, b, _p in refreshes]
    raw_ratio = [r["refresh_ms"] / raw for (_d, r, _b, _p), raw in zip(refreshes, raw_bounds, strict=True)]
    whole = [run["run_ms"] / (bound + pace_bound) for (_d, run, bound), (_d2, _r, pace_bound, _p) in zip(rows, refreshes, strict=True)]
    print(f"median: pace refresh / bare aggregate {pace_ratio:.2f}; whole refresh (pace, battery trend, due dates) / "
          f"bare aggregate {all_ratio:.2f} (spread {min(spread):.2f}–{max(spread):.2f}); target ≤ 1.5; against the 90-day "
          f"aggregate over the raw readings {statistics.median(raw_ratio):.2f} (spread {min(raw_ratio):.2f}–{max(raw_ratio):.2f})")
    print(f"whole daily run (refresh + every scan) / its bound (shaken INSERT … SELECT + bare aggregate): "
          f"median {statistics.median(whole):.2f} (spread {min(whole):.2f}–{max(whole):.2f}); target ≤ 1.5")
