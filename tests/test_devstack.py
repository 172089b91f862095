"""`make run`'s dev stack: links in mail follow the port it serves (issue 16 point 13); the broker
keeps its port across restarts and `make manage` finds it; today's daily run is caught up on
start (issue 12 points 12 and 13)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tconnect import devstack

ROOT = Path(__file__).resolve().parent.parent
# What a process started by the dev stack would put in an opt-out link.
PRINT_LINK = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tconnect.settings'); django.setup(); "
    "from notifications.services.render import marketing_opt_out_url; print(marketing_opt_out_url(1))"
)


def _link_in_a_child_process() -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    done = subprocess.run([sys.executable, "-c", PRINT_LINK], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [("127.0.0.1", "8123", "http://127.0.0.1:8123"), ("0.0.0.0", "8800", "http://127.0.0.1:8800"),  # noqa: S104
     ("::1", "8000", "http://[::1]:8000")],
)
def test_site_url_follows_the_running_port_unless_set(monkeypatch, host, port, expected):
    monkeypatch.setenv("SITE_URL", "")  # unset, and restored after the test (the function writes it)
    monkeypatch.setenv("TCONNECT_HOST", host)
    monkeypatch.setenv("TCONNECT_PORT", port)
    assert devstack.site_url_follow_port() == expected
    assert _link_in_a_child_process().startswith(f"{expected}/optout/")


def test_a_site_url_that_is_set_wins(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://portal.example.jp")
    monkeypatch.setenv("TCONNECT_PORT", "8123")
    assert devstack.site_url_follow_port() == "https://portal.example.jp"
    assert _link_in_a_child_process().startswith("https://portal.example.jp/optout/")


def _time_wait_port() -> int:
    """A loopback port left in TIME-WAIT, as a broker stopped a moment ago leaves its port: the
    listening side closes an accepted connection first."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server side closes first: its end goes to TIME-WAIT
        client.recv(1)
        client.close()
    return port


def test_the_broker_port_survives_a_quick_restart():
    port = _time_wait_port()
    assert devstack.free_port(port) == port


def test_a_port_in_use_moves_the_broker():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert devstack.free_port(port) != port


def test_make_manage_finds_the_running_broker(tmp_path, monkeypatch):
    url_file = tmp_path / "broker.url"
    monkeypatch.setattr(devstack, "BROKER_URL_FILE", url_file)
    assert devstack.running_broker_url() is None
    with socket.socket() as broker:
        broker.bind(("127.0.0.1", 0))
        broker.listen()
        url = f"redis://127.0.0.1:{broker.getsockname()[1]}/0"
        url_file.write_text(url)
        assert devstack.running_broker_url() == url
    assert devstack.running_broker_url() is None  # the stack stopped: not a dead port


def test_make_run_catches_up_todays_daily_run_after_the_demo_data():
    commands = [command[0] for command in devstack.STARTUP_COMMANDS]
    assert commands == ["migrate", "seed_demo", "run_daily"]
    assert "--if-not-finished" in devstack.STARTUP_COMMANDS[-1]


@pytest.mark.parametrize(
    ("gigabytes", "maintenance", "work", "cache"),
    [(1, "64MB", "4MB", "512MB"), (24, "1024MB", "24MB", "12288MB"), (256, "1024MB", "32MB", "131072MB")],
)
def test_the_private_server_is_sized_for_the_machine(gigabytes, maintenance, work, cache):
    wanted = devstack.postgres_settings(gigabytes * 2**30)
    assert (wanted["maintenance_work_mem"], wanted["work_mem"], wanted["effective_cache_size"]) == (maintenance, work, cache)
    assert (wanted["max_wal_size"], wanted["checkpoint_timeout"]) == ("4GB", "15min")


def test_the_private_server_has_those_settings_and_tuning_again_changes_nothing():
    """The private server (the suite's own, or started here when DATABASE_URL points elsewhere):
    the settings are in effect, compared in PostgreSQL's own units (8 kB pages, kB, s), and a
    second start alters and reloads nothing."""
    import psycopg

    wanted = devstack.postgres_settings(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    server, url = devstack.start_postgres()  # joins the running one
    statements: list[str] = []

    class Recording(psycopg.Connection):
        def execute(self, query, *args, **kwargs):
            statements.append(str(query))
            return super().execute(query, *args, **kwargs)

    with Recording.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [list(wanted)]).fetchall()
        current = {name: devstack._in_units(setting, unit or "") for name, setting, unit in rows}
        assert current == {name: devstack._in_units(*devstack._split(value)) for name, value in wanted.items()}
        devstack.tune_postgres(conn)
    assert not [s for s in statements if "ALTER SYSTEM" in s or "pg_reload_conf" in s]
    del server
