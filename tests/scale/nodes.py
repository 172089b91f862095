"""Worker nodes and a counting SMTP sink for the multi-node tests.

A node is a real `celery worker` process group (its main process and its pool), started with
`-n NAME@scale` against the test database, killed with SIGKILL as a machine would die.
Brokers are the machine's own services: RabbitMQ on 5672 (a virtual host of our own, removed
after) and Redis on 6379 (a database number of our own, flushed before and after).
"""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from django.db import connection

from tests.scale.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    db = connection.settings_dict
    return f"postgresql://{urllib.parse.quote(db['USER'] or 'postgres')}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def rabbitmq_vhost(name: str) -> str:
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True, timeout=60)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"], check=True,
                   capture_output=True, timeout=60)
    return f"amqp://guest:guest@127.0.0.1:5672/{name}"


def rabbitmq_vhost_delete(name: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True, timeout=60)


class _Sink:
    """Counts every message by its Reply-To address (one per notice: the reply token)."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        token = (message.get("Reply-To") or "").split("@")[0]
        with self.lock:
            self.received[token] += 1
        return "250 OK"


@dataclass
class SmtpSink:
    handler: _Sink = field(default_factory=_Sink)
    port: int = field(default_factory=free_port)
    controller: Controller | None = None

    def start(self) -> SmtpSink:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    @property
    def received(self) -> Counter[str]:
        with self.handler.lock:
            return Counter(self.handler.received)

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


@dataclass
class WorkerNode:
    name: str
    broker_url: str
    env: dict[str, str]
    log: Path
    concurrency: int = 2
    process: subprocess.Popen | None = None

    def start(self) -> WorkerNode:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tconnect.settings", "DATABASE_URL": test_database_url(),
               "CELERY_BROKER_URL": self.broker_url, "LOG_LEVEL": "WARNING", **self.env}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tconnect", "worker", "-n", f"{self.name}@scale", "-Q", "celery,bulk",
                 "-c", str(self.concurrency), "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
                cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True,
            )
        return self

    def kill(self) -> None:
        """kill -9 of the whole node: its main process and every pool process at once."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until(condition, *, timeout: float, every: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not met within {timeout} s")
