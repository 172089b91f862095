"""Benchmark of the staff portal's list and dashboard pages (issue 5 quality bar), not a timed test.

    .venv/bin/python -m tests.benchmarks pages [--vehicles 1000000] [--stores N] [--requests 60]
        [--db benchpages] [--reuse] [--keep]

Creates (or with --reuse keeps, when it already has data) a separate database (default
`benchpages`) on the private PostgreSQL server (socket dir: line 5 of var/postgres/postmaster.pid;
never the `tconnect` database), migrates it, seeds it with `seed_demo --vehicles N --stores M`
(M = N / 3000 by default: a few thousand cars per store), adds some day-to-day activity to the
demo company (today's notices with replies, open inquiries, today's appointments, ten recall
campaigns over ten models' cars, open follow-ups), then — with DEBUG off (production settings,
HTTPS requests) — requests each portal page through the Django test Client in-process, as the
company admin and as the store staff member, each with a session that passed the second factor
(tests/auth.py: login_staff). Prints per page: p50, p95, statements per request, the ratio of
the p50 to the framework's floor (the same client and middleware answering GET /accounts/login/)
and whether p95 is under 200 ms. Drops the database at the end unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
LIMIT_MS = 200.0


def _socket_dir() -> str:
    lines = (BASE_DIR / "var/postgres/postmaster.pid").read_text().splitlines() if (
        BASE_DIR / "var/postgres/postmaster.pid").exists() else []
    if len(lines) < 5 or not lines[4].strip():
        raise SystemExit("the private PostgreSQL is not running (start it with `make run` or `make test` once)")
    return lines[4].strip()


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@/postgres?host={_socket_dir()}", autocommit=True) as conn:
        conn.execute(sql)


def _database(name: str, *, reuse: bool) -> str:
    if name == "tconnect":
        raise SystemExit("refusing to benchmark in the tconnect database")
    import psycopg

    with psycopg.connect(f"postgresql://postgres@/postgres?host={_socket_dir()}", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and not reuse:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not reuse:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@/{name}?host={_socket_dir()}"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- data ------------------------------------------------------------------------------------


def _seed(vehicles: int, stores: int) -> None:
    from django.core.management import call_command

    from vehicles.demo.seed import demo_is_seeded

    if demo_is_seeded():
        print("database already seeded (--reuse): not seeding", flush=True)
        return
    print(f"seeding {vehicles:,} vehicles in {stores} stores …", flush=True)
    started = time.perf_counter()
    call_command("seed_demo", vehicles=vehicles, stores=stores, stdout=sys.stdout)
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)


ACTIVITY_MARK = "ベンチ用リコール"
RECALL_CAMPAIGNS = 10


def _activity(staff) -> None:
    """Today's work for the staff member's store and company, once (skipped when present)."""
    from django.db import transaction
    from django.utils import timezone

    from tests.portal import builders
    from vehicles.models import RecallCampaign, RecallTarget, Vehicle

    if RecallCampaign.objects.filter(title=ACTIVITY_MARK).exists():
        return
    started = time.perf_counter()
    store, company_id = staff.store, staff.company_id
    cars = list(Vehicle.objects.filter(store=store).select_related("customer", "store").order_by("id")[:400])
    today = timezone.localdate()
    with transaction.atomic():
        for i, car in enumerate(cars[:200]):
            sent = builders.notice(car, send_on=today)
            if i % 4 == 0:
                builders.reply(sent)
        for car in cars[200:260]:
            builders.inquiry(car)
        tokyo = timezone.get_current_timezone()
        for i, car in enumerate(cars[260:300]):
            starts = dt.datetime.combine(today, dt.time(9 + i % 8), tzinfo=tokyo)
            builders.appointment(car, starts_at=starts, state="confirmed" if i % 2 else "requested")
        for car in cars[300:340]:
            builders.followup(car)
        # Ten recalls, each over one model of the company: about ten thousand targets each.
        models = list(Vehicle.objects.filter(company_id=company_id).values_list("model_code", flat=True)
                      .order_by("model_code").distinct()[:RECALL_CAMPAIGNS])
        for n, model in enumerate(models):
            campaign = builders.campaign(title=ACTIVITY_MARK if n == 0 else f"{ACTIVITY_MARK} {n + 1}",
                                         published_on=today - dt.timedelta(days=30 * n))
            targets = Vehicle.objects.filter(company_id=company_id, model_code=model).values_list("id", "chassis_number")
            RecallTarget.objects.bulk_create(
                (RecallTarget(campaign=campaign, vehicle_id=pk, chassis_number=chassis, became_target_on=today)
                 for pk, chassis in targets.iterator(chunk_size=5000)), batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        # What autovacuum does within minutes of a bulk load in production: statistics, and the
        # visibility map that lets counts and scope checks be answered from indexes alone.
        cursor.execute("VACUUM ANALYZE")
    print(f"activity added in {time.perf_counter() - started:.1f} s ({len(models)} recall campaigns, "
          f"{RecallTarget.objects.count():,} recall targets)", flush=True)


# -- measuring -------------------------------------------------------------------------------


def _pages(staff) -> list[tuple[str, str]]:
    """(label, URL) of each page; search terms taken from a real car of the staff's store."""
    from django.utils import timezone

    from vehicles.models import RecallCampaign, Vehicle

    car = (Vehicle.objects.filter(store=staff.store).exclude(plate_display="").exclude(customer__phone="")
           .select_related("customer").order_by("id").first())
    campaign = RecallCampaign.objects.get(title=ACTIVITY_MARK)
    phone_digits = "".join(ch for ch in car.customer.phone if ch.isdigit())
    surname = car.customer.name.split()[0] if " " in car.customer.name else car.customer.name[:2]
    from urllib.parse import quote

    return [
        ("today", "/today/"),
        ("vehicle list", "/vehicles/"),
        ("vehicle list p2", None),  # filled in by following the first page's "next" link
        ("search: plate", f"/vehicles/?q={quote(car.plate_display)}"),
        ("search: plate serial", f"/vehicles/?q={car.plate_serial}" if car.plate_serial else "/vehicles/?q=12"),
        ("search: owner name", f"/vehicles/?q={quote(car.customer.name)}"),
        ("search: surname", f"/vehicles/?q={quote(surname)}"),
        ("search: phone", f"/vehicles/?q={phone_digits}"),
        ("search: phone tail", f"/vehicles/?q={phone_digits[-6:]}"),
        ("search: place name", f"/vehicles/?q={quote(car.plate_region)}"),  # two characters: no trigram
        ("due this month", f"/vehicles/?due={timezone.localdate():%Y-%m}"),
        ("vehicle page", f"/vehicles/{car.pk}/"),
        ("vehicle timeline", f"/vehicles/{car.pk}/timeline/"),
        ("appointments day", "/appointments/"),
        ("appointments store", f"/appointments/?store={staff.store_id}&day={timezone.localdate():%Y-%m-%d}"),
        ("inquiries", "/inquiries/"),
        ("recalls list", "/recalls/"),
        ("recall campaign", f"/recalls/{campaign.pk}/"),
        ("results", "/results/"),
        ("follow-up queue", "/vehicles/followups/"),
        ("event mail", "/events/"),
        ("settings", "/settings/"),
        ("store settings", f"/settings/stores/{staff.store_id}/"),
        ("results CSV", "/results/funnel.csv"),
    ]


def _next_link(html: str) -> str | None:
    import re

    found = re.search(r'href="(\?[^"]*after=[^"]*)"', html)
    return "/vehicles/" + found.group(1).replace("&amp;", "&") if found else None


def _time(client, url: str, n: int) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, secure=True)
    status, queries = response.status_code, len(captured.captured_queries)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(url, secure=True)
        times.append(time.perf_counter() - start)
    return times, queries, status


def _measure(user, label: str, pages: list[tuple[str, str]], n: int) -> list[tuple]:
    from django.test import Client

    from tests.auth import login_staff

    floor_client = Client()
    for _ in range(10):
        floor_client.get("/accounts/login/", secure=True)  # warm up
    floor, floor_q, _ = _time(floor_client, "/accounts/login/", n)
    floor_p50 = _pct(floor, 0.5)
    client = Client()
    login_staff(client, user)
    rows = [(label, "floor: GET /accounts/login/", "/accounts/login/", 200, floor_q, floor, floor_p50)]
    previous_html = ""
    for name, url in pages:
        if url is None:
            url = _next_link(previous_html)
            if url is None:
                continue
        for _ in range(3):
            response = client.get(url, secure=True)  # warm caches and the plan cache
        previous_html = response.content.decode() if name == "vehicle list" else previous_html
        times, queries, status = _time(client, url, n)
        rows.append((label, name, url, status, queries, times, floor_p50))
        print(f"  {label} {name}: p50 {_pct(times, 0.5) * 1000:.1f} ms, p95 {_pct(times, 0.95) * 1000:.1f} ms", flush=True)
    return rows


def _print(rows: list[tuple]) -> bool:
    print(f"\n{'user':<8} {'page':<28} {'status':>6} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8}  <200ms p95")
    all_fast = True
    for label, name, _url, status, queries, times, floor_p50 in rows:
        p50, p95 = _pct(times, 0.5) * 1000, _pct(times, 0.95) * 1000
        fast = p95 < LIMIT_MS
        all_fast &= fast or name.startswith("floor")
        print(f"{label:<8} {name:<28} {status:>6} {queries:>7} {p50:8.1f} {p95:8.1f} {p50 / (floor_p50 * 1000):8.1f}  "
              f"{'yes' if fast else 'NO'}")
    return all_fast


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks pages")
    parser.add_argument("--vehicles", type=int, default=1_000_000)
    parser.add_argument("--stores", type=int, default=None, help="default: vehicles / 3000 (1 to 500)")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page and user")
    parser.add_argument("--db", default="benchpages")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database and its data")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args(argv)
    stores = args.stores or max(1, min(500, args.vehicles // 3000))

    os.environ["DATABASE_URL"] = _database(args.db, reuse=args.reuse)
    # Production settings: DEBUG off (no query log, cached templates), HTTPS-only cookies.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SECRET_KEY"] = "benchmark-only-secret-" + "x" * 40
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tconnect.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)  # the test Client's signals; DEBUG stays off
    assert not settings.DEBUG
    try:
        call_command("migrate", verbosity=0)
        _seed(args.vehicles, stores)
        from dealers.models import User
        from vehicles.models import Vehicle

        manager = User.objects.get(email="manager@kanto.example.jp")
        staff = User.objects.select_related("store").get(email="staff@kanto.example.jp")
        _activity(staff)
        from notifications.services.funnel import funnel_days_refresh_recent

        funnel_days_refresh_recent()  # the Results page reads the counted day rows (beat: every 10 minutes)
        total = Vehicle.objects.count()
        in_store = Vehicle.objects.filter(store=staff.store).count()
        in_company = Vehicle.objects.filter(company_id=manager.company_id).count()
        print(f"{total:,} vehicles; company {in_company:,}; staff's store {in_store:,}; "
              f"{args.requests} timed requests per page", flush=True)
        pages = _pages(staff)
        import gc

        gc.freeze()  # as tconnect/wsgi.py does in the production server once the app is loaded
        rows = _measure(manager, "admin", pages, args.requests) + _measure(staff, "staff", pages, args.requests)
        all_fast = _print(rows)
        print(f"\nall pages under {LIMIT_MS:.0f} ms at p95: {'yes' if all_fast else 'NO'}")
        for label, name, url, *_ in rows:
            print(f"  {label:<6} {name:<28} {url}")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            _admin(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
            print(f"dropped database {args.db}")
    return 0 if all_fast else 1
