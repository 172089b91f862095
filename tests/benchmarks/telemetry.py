"""Benchmark of telemetry ingest through the real HTTP stack (issue 6), not a timed test.

    .venv/bin/python -m tests.benchmarks telemetry [--seconds 10] [--workers 4] [--clients 2]
        [--threads 4] [--vehicles 200] [--rounds 2] [--db benchtele] [--keep-db]

Recreates a separate database (default `benchtele`) on the private PostgreSQL server (socket
dir: line 5 of var/postgres/postmaster.pid; never the `tconnect` database), migrates it,
creates N vehicles with DCM credentials, and starts gunicorn (sync workers, DEBUG off) on a
loopback port with the product's settings plus one extra URL: the ceiling, a bare Django
view that only parses the same body and COPYs it into the same table. Client processes then
post 100-reading batches for a bounded time, alternately to the real endpoint
(POST /api/v1/dcm/telemetry/: credential, validation, dedupe, COPY, state upsert, warning
detection) and to the ceiling, and it reports readings/s with p50/p95 latency for both,
and the ratio. Target: real >= 25,000 readings/s and >= 0.5 x the same run's ceiling.

About one batch in ten changes a car's DTC state, so warnings open and close as they would.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
READINGS_PER_BATCH = 100
TARGET_RATE, TARGET_RATIO = 25_000, 0.5


def _socket_dir() -> str:
    lines = (BASE_DIR / "var/postgres/postmaster.pid").read_text().splitlines() if (BASE_DIR / "var/postgres/postmaster.pid").exists() else []
    if len(lines) < 5 or not lines[4].strip():
        raise SystemExit("the private PostgreSQL is not running (start it with `make run` or `make test` once)")
    return lines[4].strip()


def _fresh_database(name: str) -> str:
    if name == "tconnect":
        raise SystemExit("refusing to benchmark in the tconnect database")
    import psycopg

    socket_dir = _socket_dir()
    with psycopg.connect(f"postgresql://postgres@/postgres?host={socket_dir}", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@/{name}?host={socket_dir}"


def _drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@/postgres?host={_socket_dir()}", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks._telemetry_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }


def _setup(env: dict[str, str], vehicles: int) -> list[tuple[int, str]]:
    """Migrate and create the cars; returns (vehicle id, token) pairs."""
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    code = f"""
import json
from tests.factories import VehicleFactory, DealerCompanyFactory
from vehicles.credentials import credential_issue
company = DealerCompanyFactory()
cars = VehicleFactory.create_batch({vehicles}, company=company, customer=None)
print(json.dumps([[car.pk, credential_issue(vehicle=car).token] for car in cars]))
"""
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR, env=env, check=True,
                         capture_output=True, text=True).stdout
    return [tuple(pair) for pair in json.loads(out.strip().splitlines()[-1])]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_gunicorn(env: dict[str, str], workers: int, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tconnect.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--backlog", "2048", "--log-level", "warning"],
        cwd=BASE_DIR, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.terminate()
    raise SystemExit("gunicorn did not start")


# --- the client side ------------------------------------------------------------------------


def _body(vehicle_id: int, sequence: int, base: float) -> bytes:
    """Batch `sequence` of a car: 100 readings a second apart, later batches later in time."""
    start = base + sequence * READINGS_PER_BATCH
    faulty = sequence % 20 >= 18  # two batches in twenty report a fault: one opens, one closes
    dtcs = '["P0300"]' if faulty else "[]"
    lamps = '["mil"]' if faulty else "[]"
    readings = ",".join(
        f'{{"recorded_at":"{dt.datetime.fromtimestamp(start + i, dt.UTC).isoformat()}","odometer_km":{40_000 + sequence},'
        f'"battery_voltage":{12 + (i % 10) / 10},"smart_key_battery":"ok","oil_level":"ok","lamps":{lamps},'
        f'"dtcs_stored":{dtcs},"dtcs_pending":[],"third_party_device":false}}'
        for i in range(READINGS_PER_BATCH)
    )
    return f'{{"message_id":"b{vehicle_id}-{sequence}","readings":[{readings}]}}'.encode()


def _client(args: tuple) -> tuple[list[float], int, int]:
    """One client process: threads posting until the deadline; returns latencies, readings, errors."""
    port, path_kind, cars, threads, deadline, start_sequence, base = args
    latencies: list[float] = []
    totals = {"readings": 0, "errors": 0}
    lock = threading.Lock()

    def run(mine: list[tuple[int, str]]):
        sequence = start_sequence
        own_latencies, readings, errors = [], 0, 0
        while time.time() < deadline:
            for vehicle_id, token in mine:
                body = _body(vehicle_id, sequence, base)
                if path_kind == "real":
                    path, headers = "/api/v1/dcm/telemetry/", {"Authorization": f"Vehicle {token}"}
                else:
                    path, headers = f"/bench/ceiling/{vehicle_id}/", {}
                headers |= {"Content-Type": "application/json", "Host": "127.0.0.1"}
                began = time.perf_counter()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                try:
                    connection.request("POST", path, body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    ok = response.status == 201
                except OSError:
                    ok = False
                finally:
                    connection.close()
                own_latencies.append(time.perf_counter() - began)
                readings, errors = (readings + READINGS_PER_BATCH, errors) if ok else (readings, errors + 1)
                if time.time() >= deadline:
                    break
            sequence += 1
        with lock:
            latencies.extend(own_latencies)
            totals["readings"] += readings
            totals["errors"] += errors

    slices = [cars[i::threads] for i in range(threads)]
    workers = [threading.Thread(target=run, args=(mine,)) for mine in slices if mine]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, totals["readings"], totals["errors"]


def _load(port: int, kind: str, cars, opts, start_sequence: int, base: float) -> dict:
    groups = [cars[i::opts.clients] for i in range(opts.clients)]
    began = time.time()
    deadline = began + opts.seconds
    with multiprocessing.get_context("fork").Pool(opts.clients) as pool:
        results = pool.map(_client, [(port, kind, group, opts.threads, deadline, start_sequence, base) for group in groups])
    elapsed = max(time.time(), deadline) - began
    latencies = sorted(lat for result in results for lat in result[0])
    readings = sum(result[1] for result in results)
    return {
        "kind": kind,
        "requests": len(latencies),
        "errors": sum(result[2] for result in results),
        "rate": readings / elapsed,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95": latencies[int(len(latencies) * 0.95)] * 1000 if latencies else float("nan"),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks telemetry", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per measurement")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per client process")
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="alternating real/ceiling measurements each")
    parser.add_argument("--db", default="benchtele")
    parser.add_argument("--keep-db", action="store_true")
    return parser


def _row(result: dict) -> str:
    name = "real endpoint" if result["kind"] == "real" else "ceiling (parse+COPY)"
    return (f"  {name:<22} {result['rate']:>10,.0f} readings/s  p50 {result['p50']:6.1f} ms  "
            f"p95 {result['p95']:6.1f} ms  requests {result['requests']:>6}  errors {result['errors']}")


def main(argv: list[str]) -> int:
    opts = _parser().parse_args(argv)
    database_url = _fresh_database(opts.db)
    env = _server_env(database_url)
    server = None
    try:
        print(f"setting up {opts.db}: migrate, {opts.vehicles} cars with credentials…", flush=True)
        cars = _setup(env, opts.vehicles)
        port = _free_port()
        server = _start_gunicorn(env, opts.workers, port)
        base = time.time() - 60 * 86400  # readings two months back, one second apart, moving forward
        _load(port, "real", cars, argparse.Namespace(**{**vars(opts), "seconds": 2}), 0, base)  # warm-up
        print(f"gunicorn: {opts.workers} sync workers, DEBUG off; clients: {opts.clients} processes x {opts.threads} "
              f"threads; {READINGS_PER_BATCH} readings per batch; {opts.seconds:.0f} s per measurement; "
              f"{os.cpu_count()} CPUs shared by all", flush=True)
        results, sequence = [], 100
        for _round in range(opts.rounds):
            for kind in ("real", "ceiling"):
                result = _load(port, kind, cars, opts, sequence, base)
                sequence += 1000  # disjoint message ids and later times for the next measurement
                results.append(result)
                print(_row(result), flush=True)
        best = {kind: max((r for r in results if r["kind"] == kind), key=lambda r: r["rate"]) for kind in ("real", "ceiling")}
        ratio = best["real"]["rate"] / best["ceiling"]["rate"]
        passed = best["real"]["rate"] >= TARGET_RATE and ratio >= TARGET_RATIO and best["real"]["errors"] == 0
        print("best of each:")
        print(_row(best["real"]))
        print(_row(best["ceiling"]))
        print(f"  ratio real / ceiling: {ratio:.2f}   target: >= {TARGET_RATE:,} readings/s and >= {TARGET_RATIO} x ceiling: "
              f"{'MET' if passed else 'NOT MET'}")
        return 0 if passed else 1
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if not opts.keep_db:
            _drop_database(opts.db)
