"""Benchmark of the condition-based maintenance refresh alone (issue 11 §5), not a timed test.

    .venv/bin/python -m tests.benchmarks maintenance_refresh [--vehicles 20000] [--db bench] [--runs 5]
        [--odometer-days 365]

The same database, seed and measurements as daily_run's maintenance part
(tests/benchmarks/_odometer.py: the roll-up of yesterday, pace with the battery verdict, the
left-out cars' battery, due dates; answers checked), without the notice scans: a run is the
refresh and its same-run bounds, each in a rolled-back transaction. Prints each run, then the
median and spread of the ratio to the bound over the rows the refresh reads, and to the 90-day
aggregate over the raw readings. The verdict fails on a wrong answer, not on the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks maintenance_refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=20_000)
    parser.add_argument("--db", default="bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--odometer-days", type=int, default=365)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    args = parser.parse_args(argv)

    from tests.benchmarks.daily_run import _database_url, _seed, _vacuum

    os.environ["DATABASE_URL"] = _database_url(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tconnect.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from tests.benchmarks import _odometer

    call_command("migrate", verbosity=0)
    _seed(args.vehicles, args.as_of)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM vehicles_vehicle")
        total = cursor.fetchone()[0]
    readings = _odometer.seed(total, args.odometer_days, timezone.now())
    print(f"maintenance refresh: {total:,} cars, {readings:,} readings, database {connection.settings_dict['NAME']}")
    _odometer.measure_refresh(timezone.localdate(), timezone.now())  # warm-up
    results, wrong = [], []
    for _ in range(args.runs):
        _vacuum()
        bound = _odometer.measure_bound(timezone.now())
        refresh = _odometer.measure_refresh(timezone.localdate(), timezone.now())
        wrong += refresh["wrong"]
        if refresh["paces"] != bound["rows"]:
            wrong.append(f"{refresh['paces']} paces for {bound['rows']} cars with history")
        results.append((refresh, bound))
        print(f"  roll {refresh['roll_ms']:.0f} + pace and battery {refresh['pace_ms']:.0f} + left-out cars "
              f"{refresh['battery_ms']:.0f} + due {refresh['due_ms']:.0f} = {refresh['refresh_ms']:.0f} ms; bound "
              f"{bound['bound_ms']:.0f} ms (ratio {refresh['refresh_ms'] / bound['bound_ms']:.2f}); raw-readings bound "
              f"{bound['readings_bound_ms']:.0f} ms (ratio {refresh['refresh_ms'] / bound['readings_bound_ms']:.2f})", flush=True)
    ratios = [r["refresh_ms"] / b["bound_ms"] for r, b in results]
    raw = [r["refresh_ms"] / b["readings_bound_ms"] for r, b in results]
    print(f"median of {len(results)}: refresh {statistics.median(r['refresh_ms'] for r, _ in results):.0f} ms, bound "
          f"{statistics.median(b['bound_ms'] for _, b in results):.0f} ms, ratio {statistics.median(ratios):.2f} "
          f"(spread {min(ratios):.2f}–{max(ratios):.2f}; target ≤ 1.5); vs the raw-readings aggregate "
          f"{statistics.median(raw):.2f} (spread {min(raw):.2f}–{max(raw):.2f})")
    for problem in sorted(set(wrong)):
        print(f"  WRONG: {problem}", file=sys.stderr)
    print("  verdict:", "FAIL" if wrong else "ok")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
