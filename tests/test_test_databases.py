"""No test database is left behind after a run (issue 12 point 14): a client still connected at
teardown made the DROP fail ("being accessed by other users") and the database stayed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.gunicorn_harness import this_test_database_url

ROOT = Path(__file__).resolve().parent.parent


def _server():
    """An autocommit connection to the server's maintenance database."""
    return psycopg.connect(this_test_database_url("postgres"), autocommit=True)


@pytest.mark.slow
@pytest.mark.django_db
def test_a_run_whose_test_left_a_connection_open_drops_its_database(tmp_path):
    report = tmp_path / "database-name"
    env = {**os.environ, "TCONNECT_LEAK_REPORT": str(report)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "tests/cases/leaked_connection.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    name = report.read_text()
    with _server() as server:
        try:
            assert "being accessed by other users" not in done.stdout
            assert server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None
        finally:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
