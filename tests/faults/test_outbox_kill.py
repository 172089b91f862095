"""Kill test (issue 12, point 10): kill -9 the Celery worker again and again while it sends the
e-mail copies of a first-of-the-month daily run (≥ 50,000 deliveries by default) to a local SMTP
sink, and count at the sink what arrived.

    make test-faults                                   # the full size, about ten minutes here
    TCONNECT_FAULTS_DELIVERIES=3000 make test-faults   # a quick look

What the outbox promises (notifications.services.outbox): a delivery is claimed in a short
transaction, `send_started_at` is committed right before the message is handed to SMTP, and a row
left "sending" by a dead worker is queued again when it never reached that point, or failed as
"outcome unknown" when it did (at most once: never sent twice). So, after every kill:
- no delivery arrives at the sink twice;
- every delivery ends delivered (its mail counted at the sink exactly once) or, only when a kill
  fell between the fence and SMTP's answer, failed "outcome unknown" (at most one per sending
  process per kill; counted at the sink at most once);
- nothing stays queued or sending, and nothing is lost without its row saying so.

The fleet: the demo data set (`seed_demo`'s generator) with every car's first registration moved
to January 2025 and its shaken expiry to 2027-04-01, owners with an address who accept
reminders, so the run of 2027-01-01 sends each car its 24-month periodic inspection and its
shaken "3 months before" notice (1.3 e-mail deliveries a car).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.db.models import F

from notifications.models import Delivery
from notifications.services.daily_run import daily_run
from notifications.services.outbox import STUCK_AFTER, deliveries_release_stuck
from notifications.services.verp import delivery_for_bounce_address
from tests.notifications import celery_harness
from vehicles.demo.seed import demo_seed

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]
broker = celery_harness.broker  # the fixture

DELIVERIES = int(os.environ.get("TCONNECT_FAULTS_DELIVERIES", "50000"))
KILLS = int(os.environ.get("TCONNECT_FAULTS_KILLS", "10"))
WORKER_PROCESSES = 2
FIRST = dt.date(2027, 1, 1)
SEND = "notifications.tasks.send_due_deliveries"


class Sink:
    """An SMTP server that counts each delivery's mail by its envelope sender (VERP names it)."""

    def __init__(self) -> None:
        self.counts: Counter[int | None] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        delivery_id = delivery_for_bounce_address(envelope.mail_from)
        with self.lock:
            self.counts[delivery_id] += 1
        return "250 OK"

    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sink():
    handler, port = Sink(), _free_port()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _fleet(cars: int) -> None:
    demo_seed(vehicles=cars, stores=12, seed=2026, as_of=dt.date(2026, 12, 1))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE vehicles_vehicle SET first_registration_year = 2025, first_registration_month = 1, "
            "shaken_expiry = %s", [FIRST.replace(month=4)],
        )
        cursor.execute("UPDATE vehicles_customer SET email = 'owner' || id || '@example.jp' WHERE email = ''")
        # Stores without bays are not paced to capacity (notifications.services.reminder_pacing):
        # every car's reminder goes on its usual date, the whole month's mail on the 1st.
        cursor.execute("UPDATE dealers_store SET service_bays = 0")
        cursor.execute(
            "INSERT INTO vehicles_customerconsent (customer_id, category, granted, updated_at) "
            "SELECT id, 'reminders', true, now() FROM vehicles_customer "
            "ON CONFLICT (customer_id, category) DO UPDATE SET granted = true"
        )


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER'] or 'postgres'}@/{db['NAME']}?host={db['HOST']}"


class Worker:
    """`celery worker` (prefork) in its own process group, so kill -9 takes the pool with it."""

    def __init__(self, env: dict[str, str], log) -> None:
        command = [sys.executable, "-m", "celery", "-A", "tconnect", "worker", "-Q", "celery,bulk", "-c",
                   str(WORKER_PROCESSES), "-l", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True, stdout=log,
                                        stderr=subprocess.STDOUT)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


def _unfinished() -> int:
    return Delivery.objects.filter(channel="email", status__in=("queued", "sending")).count()


def _keep_sending(queue: redis.Redis) -> None:
    """What beat does every minute, more often: a send task for each pool process."""
    if queue.llen("celery") < WORKER_PROCESSES:
        for _ in range(WORKER_PROCESSES):
            celery_harness.app.send_task(SEND)


def _wait(condition, *, timeout: float, queue: redis.Redis) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not done within {timeout} s ({_unfinished()} deliveries unfinished)"
        _keep_sending(queue)
        time.sleep(0.5)


def test_kill_minus_nine_during_the_first_of_the_month_mail_sends_each_delivery_at_most_once(broker, sink, tmp_path):
    handler, port = sink
    log = (tmp_path / "worker.log").open("ab")
    started = time.monotonic()
    celery_harness._point_at(broker)
    _fleet(math.ceil(DELIVERIES / 1.2))
    daily_run(business_date=FIRST, queue_outbox=True)
    email = Delivery.objects.filter(channel="email")
    total = email.count()
    assert total >= DELIVERIES, f"the fleet gave {total} e-mail deliveries, fewer than {DELIVERIES}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": broker, "EMAIL_URL": f"smtp://127.0.0.1:{port}",
           "LOG_LEVEL": "WARNING", **{f"MAIL_PACE_{group}_PER_MINUTE": "10000000" for group in ("CARRIER", "FREEMAIL", "OTHER")}}
    queue = redis.Redis.from_url(broker)
    rng = random.Random(12)
    kills = 0
    while kills < KILLS and _unfinished():
        worker, before = Worker(env, log), handler.total()
        try:
            _wait(lambda before=before: handler.total() > before + 50 or not _unfinished(), timeout=300, queue=queue)
            time.sleep(rng.uniform(0.2, 3.0))  # somewhere in the middle of sending
        finally:
            worker.kill()
        kills += 1
        # No worker is alive: the every-5-minutes sweep, once the dead worker's rows are old enough.
        email.filter(status="sending").update(claimed_at=F("claimed_at") - STUCK_AFTER - dt.timedelta(seconds=1))
        deliveries_release_stuck()
    worker = Worker(env, log)
    try:
        _wait(lambda: not _unfinished(), timeout=max(900, DELIVERIES / 20), queue=queue)
    finally:
        worker.stop()

    counts = handler.counts
    statuses = Counter(email.values_list("status", flat=True))
    in_doubt = list(email.filter(status="failed").values_list("id", "last_error"))
    delivered = set(email.filter(status="delivered").values_list("id", flat=True))
    print(
        f"\nkill test: {total} e-mail deliveries, {kills} kills, sink counted {handler.total()} mails for "
        f"{len(counts)} deliveries; rows {dict(statuses)}; in doubt {len(in_doubt)} "
        f"(arrived {sum(1 for i, _e in in_doubt if counts[i])}); {time.monotonic() - started:.0f} s"
    )
    assert kills == KILLS
    assert None not in counts, "a mail whose envelope sender names no delivery"
    assert max(counts.values()) == 1, "a delivery arrived twice"
    assert statuses["queued"] == statuses["sending"] == 0
    assert all(counts[delivery_id] == 1 for delivery_id in delivered)  # each delivered row arrived, once
    assert set(counts) <= delivered | {i for i, _e in in_doubt}  # nothing arrived that its row does not own
    assert all(error.startswith("outcome unknown") for _i, error in in_doubt)
    assert len(in_doubt) <= kills * WORKER_PROCESSES  # only the mails in flight at a kill
    assert statuses["delivered"] + statuses["failed"] + statuses["cancelled"] == total
