"""Benchmark of `import_service_records` (issue 11 §5): 100,000 records end to end, not a timed test.

    .venv/bin/python -m tests.benchmarks service_records [--records 100000] [--vehicles 100000] [--db bench_records]

Uses its own database (default `bench_records`) on the private PostgreSQL server (or
DATABASE_URL; never `tconnect`), seeded with `seed_demo --vehicles N` when empty. Writes a DMS
export (CSV, UTF-8) of N visits of the largest company's cars — up to 4 visits a car over the
last year, one or two items each (engine oil, oil filter, tyres, 12 V battery, 12-month
inspection, some shakens), odometers rising — then:
- times the import end to end (read the file, parse, check every rule, write records and items,
  apply the effects: expiries rolled forward, notices cancelled), as a dry run (all the work, then
  rolled back) several times: median and spread;
- times the same-run bound: a bare COPY of the same rows (already parsed) into a table of the
  same columns;
- imports for real once and checks the outcome (every row recorded, nothing failed, the expected
  record and item counts, the shaken cars' expiry moved), then imports the same file again (must
  add nothing: every row unchanged);
and prints rows/s, the bound and the ratio. The verdict fails on any wrong outcome or on
fewer than 20,000 rows/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.daily_run import _database_url, _seed

TARGET_ROWS_PER_S = 20_000
_ITEMS = ["エンジンオイル", "エンジンオイル;オイルフィルター", "タイヤ", "12ヶ月点検;エンジンオイル", "バッテリー交換", "ブレーキフルード"]


def _cars(limit: int):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.code, v.chassis_number, st.code, v.shaken_expiry FROM vehicles_vehicle v
               JOIN dealers_dealercompany c ON c.id = v.company_id JOIN dealers_store st ON st.id = v.store_id
               WHERE v.company_id = (SELECT company_id FROM vehicles_vehicle GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)
                 AND v.first_registration_year <= 2023 AND st.is_active
               ORDER BY v.id LIMIT %s""",
            [limit],
        )
        return cursor.fetchall()


def write_export(records: int, today: dt.date) -> tuple[str, bytes, int, int, int]:
    """The DMS file: (company code, bytes, visits, items, shaken visits)."""
    cars = _cars(records)
    if not cars:
        raise SystemExit("no cars to record visits for")
    visits_per_car = max(1, min(4, -(-records // len(cars))))
    lines = ["chassis_number,performed_on,store_code,odometer_km,items,external_id"]
    items = shaken = 0
    n = 0
    for index, (_company, chassis, store, expiry) in enumerate(cars):
        for visit in range(visits_per_car):
            if n == records:
                break
            day = today - dt.timedelta(days=330 - visit * 90 - index % 29)
            work = _ITEMS[(index + visit) % len(_ITEMS)]
            # The last visit of every 20th car whose expiry falls in the next two months: a shaken.
            if visit == visits_per_car - 1 and index % 20 == 0 and expiry and today <= expiry <= today + dt.timedelta(days=60):
                day, work = today - dt.timedelta(days=1), "車検;" + work
                shaken += 1
            km = 8_000 + (index % 50_000) + visit * 4_000
            lines.append(f"{chassis},{day.isoformat()},{store},{km},{work},BENCH-{index}-{visit}")
            items += work.count(";") + 1
            n += 1
    return cars[0][0], ("\n".join(lines) + "\n").encode("utf-8"), n, items, shaken


def import_once(path: str, company: str, *, dry_run: bool) -> tuple[float, object]:
    from dealers.models import DealerCompany
    from vehicles.parsing.service_record_file import read_file
    from vehicles.services.service_record_import import service_records_import

    started = time.perf_counter()
    data = Path(path).read_bytes()
    rows = read_file(data, name=path)
    result = service_records_import(company=DealerCompany.objects.get(code=company), rows=rows, dry_run=dry_run)
    return time.perf_counter() - started, result


def copy_bound(path: str) -> float:
    """A bare COPY of the same rows, parsed already, into a table of the same columns."""
    from django.db import connection, transaction

    from vehicles.parsing.service_record_file import read_file

    rows = read_file(Path(path).read_bytes(), name=path)
    flat = [(r.record.chassis_number, r.record.performed_on, r.record.store_code, r.record.odometer_km, i.item,
             r.record.external_id) for r in rows if r.record for i in r.record.items]  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_copy_bound (chassis text, performed_on date, store_code text, odometer_km int,"
                       " item text, external_id text)")  # fmt: skip
        started = time.perf_counter()
        with cursor.cursor.copy("COPY bench_copy_bound FROM STDIN") as copy:
            for row in flat:
                copy.write_row(row)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks service_records", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--vehicles", type=int, default=100_000, help="cars seeded when the database is empty")
    parser.add_argument("--db", default="bench_records")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = _database_url(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tconnect.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from vehicles.models import ServiceRecord, ServiceRecordItem

    call_command("migrate", verbosity=0)
    _seed(args.vehicles, args.as_of)
    if ServiceRecord.objects.exists():
        raise SystemExit(f"the database {args.db} holds service records already: drop it first")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    today = timezone.localdate()
    company, data, visits, items, shaken = write_export(args.records, today)
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as handle:
        handle.write(data)
        path = handle.name
    print(f"service records import: {visits:,} rows ({items:,} items, {shaken:,} shakens), company {company}, "
          f"{len(data) / 1e6:.1f} MB, database {connection.settings_dict['NAME']}", flush=True)  # fmt: skip
    try:
        import_once(path, company, dry_run=True)  # warm-up
        runs, bounds = [], []
        for _ in range(args.repeat):
            elapsed, result = import_once(path, company, dry_run=True)
            runs.append(elapsed)
            bounds.append(copy_bound(path))
        elapsed, result = import_once(path, company, dry_run=False)
        again, repeat = import_once(path, company, dry_run=False)
    finally:
        os.unlink(path)
    problems = []
    if result.failed or result.errors:
        problems.append(f"{result.failed} rows failed: {result.errors[:3]}")
    if (result.records_created, result.items_added) != (visits, items):
        problems.append(f"recorded {result.records_created} visits / {result.items_added} items, expected {visits} / {items}")
    if (ServiceRecord.objects.count(), ServiceRecordItem.objects.count()) != (visits, items):
        problems.append("the tables do not hold what was imported")
    moved = ServiceRecord.objects.filter(shaken_expiry_applied=True).count()
    if moved != shaken:
        problems.append(f"{moved} expiries moved, expected {shaken}")
    if repeat.records_created or repeat.items_added or repeat.unchanged != visits or repeat.failed:
        problems.append(f"re-import changed something: {repeat}")
    median, bound = statistics.median(runs), statistics.median(bounds)
    rate = visits / median
    print(f"  end to end (dry run, median of {len(runs)}): {median:.2f} s = {rate:,.0f} rows/s "
          f"(runs {', '.join(f'{r:.2f}' for r in runs)} s; spread {min(runs):.2f}–{max(runs):.2f})")
    print(f"  same-run bound, a bare COPY of the same rows: {bound:.2f} s = {visits / bound:,.0f} rows/s; ratio {median / bound:.1f}×")
    print(f"  committed import: {elapsed:.2f} s ({visits / elapsed:,.0f} rows/s), {result.notices_cancelled} pending notices "
          f"cancelled; the same file again: {again:.2f} s, {repeat.unchanged:,} rows unchanged")  # fmt: skip
    if rate < TARGET_ROWS_PER_S:
        problems.append(f"{rate:,.0f} rows/s is below {TARGET_ROWS_PER_S:,}")
    for problem in problems:
        print(f"  WRONG: {problem}", file=sys.stderr)
    print("  verdict:", "FAIL" if problems else "ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
