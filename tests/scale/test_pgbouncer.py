"""PgBouncer in transaction pooling (Debian's pgbouncer) in front of PostgreSQL: the product's
settings for it (DATABASE_PGBOUNCER=1: no server-side cursors; transaction-scoped advisory
locks only; no session state) and a slice of the suite run through it: the daily run, the
outbox, replies with a real worker, telemetry, the portal's pages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scale.servers import PgBouncer

ROOT = Path(__file__).resolve().parents[2]
THROUGH_PGBOUNCER = [
    "tests/notifications/test_daily_run.py",
    "tests/notifications/test_outbox.py",
    "tests/notifications/test_replies_process.py",
    "tests/vehicles/test_telemetry_api.py",
    "tests/vehicles/test_appointments.py",
    "tests/portal/test_vehicles.py",
    "tests/portal/test_today.py",
    "tests/operations/test_endpoints.py",
    "tests/notifications/test_replies_celery.py",  # last: its broker fixture leaves the app pointed at a stopped broker
]


@pytest.fixture(scope="module")
def pgbouncer(pg_pair, tmp_path_factory):
    primary, _replica = pg_pair
    bouncer = PgBouncer(primary, tmp_path_factory.mktemp("pgbouncer"), pool_size=6).start()
    yield bouncer
    bouncer.stop()


def test_pgbouncer_pools_by_transaction(pgbouncer):
    config = {row[0]: row[1] for row in pgbouncer.show("CONFIG")}
    assert config["pool_mode"] == "transaction"


def test_a_slice_of_the_suite_passes_through_pgbouncer(pgbouncer, pg_pair):
    primary, _replica = pg_pair
    primary_test_database = f"test_tconnect_{os.getpid()}"  # this process's own (tests/conftest.py)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PYTEST_"))}
    env.update(DATABASE_URL=pgbouncer.url("postgres"), DATABASE_PGBOUNCER="1", DJANGO_SETTINGS_MODULE="tconnect.settings")
    result = subprocess.run(
        # --reuse-db: the pool holds server connections to the test database, so it is dropped
        # below on a direct connection (WITH FORCE), as DDL and migrations are in production.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-m", "not browser", "--reuse-db", *THROUGH_PGBOUNCER],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )
    stats = pgbouncer.show("STATS")
    for (name,) in primary.execute("SELECT datname FROM pg_database WHERE datname LIKE 'test_tconnect_%'"):
        if name != primary_test_database:
            primary.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    tail = result.stdout[-3000:] + result.stderr[-2000:]
    assert result.returncode == 0, tail
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) >= 100, tail
    assert " error" not in result.stdout.splitlines()[-1], tail
    # The statements went through the pool, to a test database of their own.
    served = {row[0]: row for row in stats}
    assert any(name.startswith("test_tconnect_") for name in served), served.keys()


def test_no_session_state_that_transaction_pooling_would_lose():
    """Session-level advisory locks, LISTEN, session SETs and WITH HOLD cursors would break (or
    leak to another client) behind PgBouncer in transaction pooling: the product uses none."""
    offenders = []
    for path in [*ROOT.glob("dealers/**/*.py"), *ROOT.glob("vehicles/**/*.py"), *ROOT.glob("notifications/**/*.py")]:
        if "migrations" in path.parts or "demo" in path.parts:
            continue  # migrations and the demo seeder run on a direct connection (docs/scaling.md)
        text = path.read_text(encoding="utf-8")
        for pattern in (r"pg_advisory_lock\(", r"pg_try_advisory_lock\(", r"\bLISTEN\b", r"\bWITH HOLD\b",
                        r"""execute\(\s*["']SET (?!LOCAL|CONSTRAINTS)""", r"PREPARE "):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert offenders == []
