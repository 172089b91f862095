"""Workers on several nodes: two Celery worker nodes (`-n a@scale`, `-n b@scale`) on RabbitMQ
(quorum queues, acks late, publisher confirms) and on Redis; node a is killed with SIGKILL in
the middle of an e-mail outbox burst and of a reply burst.

Outbox: every delivery is sent at most once (counted at an SMTP sink by its reply token) and
ends delivered, except the at most `concurrency` rows node a had handed to SMTP when it died:
those are marked failed, "outcome unknown", never retried (notifications.services.outbox).
Replies: every reply is processed exactly once (one inquiry, one audit line each).
The sizes are flags: TCONNECT_SCALE_OUTBOX (100,000 here; `make test-scale` and CI run 10,000:
SCALE_OUTBOX=100000 for the full size) and TCONNECT_SCALE_REPLIES (2,000).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from dealers.models import AuditEntry
from notifications.models import Delivery, Inquiry, Notice, Reply, ReplyStatus
from notifications.services import outbox, replies
from notifications.services.deliveries import DELIVERY_TABLE
from notifications.services.eligibility import NOTICE_TABLE
from tests.notifications.pipeline import connected_car, run
from tests.scale.nodes import SmtpSink, WorkerNode, rabbitmq_vhost, rabbitmq_vhost_delete, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

OUTBOX_SIZE = int(os.environ.get("TCONNECT_SCALE_OUTBOX", "100000"))
REPLY_BURST = int(os.environ.get("TCONNECT_SCALE_REPLIES", "2000"))
CONCURRENCY = 2
PER_TASK = outbox.BATCH_SIZE * 100  # send_due_deliveries: up to 100 batches of 50


def _publisher(url: str) -> Celery:
    """What the product's processes publish with on that broker (tconnect/settings.py computes the
    queues from CELERY_BROKER_URL once, at start; this test process started on another broker)."""
    from kombu import Exchange, Queue

    amqp = url.startswith("amqp")
    publisher = Celery("scale-publisher", broker=url)
    publisher.conf.task_queues = [
        Queue(name, Exchange(name, type="topic" if amqp else "direct"), routing_key=name,
              queue_arguments={"x-queue-type": "quorum"} if amqp else None)
        for name in ("celery", "bulk")
    ]
    publisher.conf.task_routes = settings.CELERY_TASK_ROUTES
    publisher.conf.broker_transport_options = {"confirm_publish": True} if amqp else {}
    return publisher


@pytest.fixture(params=["rabbitmq", "redis"])
def broker_url(request):
    if request.param == "rabbitmq":
        vhost = f"tconnect-scale-{os.getpid()}"
        rabbitmq_vhost_delete(vhost)
        url = rabbitmq_vhost(vhost)
    else:
        url = f"redis://127.0.0.1:6379/{8 + os.getpid() % 8}"
        redis.Redis.from_url(url).flushdb()
    yield url
    if request.param == "rabbitmq":
        rabbitmq_vhost_delete(vhost)
    else:
        redis.Redis.from_url(url).flushdb()


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def app(broker_url):
    publisher = _publisher(broker_url)
    yield publisher
    publisher.close()


@pytest.fixture
def nodes(broker_url, sink, tmp_path):
    env = {"EMAIL_URL": f"smtp://127.0.0.1:{sink.port}", "CELERY_TASK_ALWAYS_EAGER": "0"}
    started = [WorkerNode(name, broker_url, env, tmp_path / f"{name}.log", CONCURRENCY).start() for name in ("a", "b")]
    yield started
    for node in started:
        node.stop()
    connection.close()


def _clone(table: str, columns: list[str], overrides: dict[str, str], source_where: str, copies: int) -> None:
    chosen = [overrides.get(c, c) for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from model metadata
            f"SELECT {', '.join(chosen)} FROM {table}, generate_series(1, %s) AS g WHERE {source_where}",
            [copies],
        )


def _outbox_of(size: int) -> None:
    """`size` queued e-mail deliveries, each of its own notice (own reply token): the daily run's
    reminder of one car, copied in SQL."""
    car = connected_car(expiry=dt.date(2027, 5, 31))
    run("2027-02-28")
    notice = Notice.objects.get(vehicle=car, kind="shaken")
    assert Delivery.objects.filter(notice=notice, channel="email").exists()
    notice_columns = [f.column for f in Notice._meta.concrete_fields if f.column not in ("id", "reply_token")]
    _clone(NOTICE_TABLE, notice_columns, {"dedupe_key": "dedupe_key || '#' || g"}, f"id = {notice.pk}", size - 1)
    delivery_columns = ["notice_id", "channel", "status", "attempts", "next_attempt_at", "created_at", "last_error"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DELIVERY_TABLE} ({', '.join(delivery_columns)}) "  # noqa: S608
            f"SELECT n.id, 'email', 'queued', 0, now(), now(), '' FROM {NOTICE_TABLE} n "
            f"WHERE n.dedupe_key LIKE %s",
            [notice.dedupe_key + "#%"],
        )
        cursor.execute(f"UPDATE {DELIVERY_TABLE} SET next_attempt_at = now() - interval '1 minute' WHERE channel = 'email'")  # noqa: S608
    assert Delivery.objects.filter(channel="email", status="queued").count() == size


def _counts() -> dict[str, int]:
    rows = Delivery.objects.filter(channel="email").values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def _send_tasks(app: Celery, count: int) -> None:
    for _ in range(count):
        app.send_task("notifications.tasks.send_due_deliveries")


# Beat sends the outbox task once a minute; between ticks the outbox's own follow-up runs keep a
# paced backlog draining at its rate (notifications.services.outbox.FOLLOW_UP_WITHIN).
BEAT_EVERY = 60.0
# At the pace of the sink's domain group (6,000 a minute) the burst takes OUTBOX_SIZE / 100 s;
# ten times that, at least 15 minutes, before a wait fails (CI must end within its limit).
DRAIN_TIMEOUT = max(900.0, OUTBOX_SIZE / 10)


def _beat(app: Celery):
    """A tick function: sends the outbox task when a minute has passed since the last one."""
    last = time.monotonic()

    def tick() -> None:
        nonlocal last
        if time.monotonic() - last >= BEAT_EVERY:
            _send_tasks(app, 1)
            last = time.monotonic()
    return tick


def _drained(beat):
    """Nothing queued any more; beat ticks meanwhile (rows a killed node held wait for it)."""
    def drained() -> bool:
        if not _counts().get("queued", 0):
            return True
        beat()
        return False
    return drained


def test_kill_one_node_mid_outbox_every_mail_at_most_once(app, nodes, sink):
    a, _b = nodes
    _outbox_of(OUTBOX_SIZE)
    started = time.monotonic()
    beat = _beat(app)
    _send_tasks(app, math.ceil(OUTBOX_SIZE / PER_TASK) + 4)

    def thirty_percent() -> bool:
        beat()
        return _counts().get("delivered", 0) >= OUTBOX_SIZE * 0.3

    wait_until(thirty_percent, timeout=DRAIN_TIMEOUT, every=1.0, what="30 % delivered")
    a.kill()
    # Node b goes on; what a held (its running task, its claimed rows) is caught up below.
    _send_tasks(app, math.ceil(OUTBOX_SIZE / PER_TASK) + 2)
    wait_until(_drained(beat), timeout=DRAIN_TIMEOUT, every=3.0, what="queue drained")
    wait_until(_stable, timeout=600, every=1.0, what="b idle")
    # The beat's stuck-delivery scan, as it runs 10 minutes after the crash: the clock of node
    # a's claims is moved back instead of the scan's forward (what it re-queues is due at once).
    Delivery.objects.filter(status="sending").update(claimed_at=F("claimed_at") - outbox.STUCK_AFTER - dt.timedelta(minutes=1))
    requeued, unknown = outbox.deliveries_release_stuck()
    wait_until(lambda: _drained(beat)() and not _counts().get("sending"), timeout=600, every=3.0, what="all settled")

    counts = _counts()
    received = sink.received
    tokens = dict(Delivery.objects.filter(channel="email").values_list("id", "notice__reply_token"))
    delivered = set(Delivery.objects.filter(channel="email", status="delivered").values_list("id", flat=True))
    failed_unknown = set(Delivery.objects.filter(channel="email", status="failed", last_error__startswith="outcome unknown")
                         .values_list("id", flat=True))
    print(f"\noutbox {OUTBOX_SIZE} on {a.broker_url.split(':')[0]}: {counts}; re-queued after the kill {requeued}, "
          f"outcome unknown {unknown}; received at the sink {sum(received.values())}; "
          f"{OUTBOX_SIZE / (time.monotonic() - started):.0f} deliveries/s overall")
    assert max(received.values()) == 1  # never twice
    assert counts == {"delivered": OUTBOX_SIZE - len(failed_unknown), **({"failed": len(failed_unknown)} if failed_unknown else {})}
    assert all(received[tokens[d]] == 1 for d in delivered)  # every delivered row reached the sink once
    assert len(failed_unknown) <= CONCURRENCY  # only what node a had handed to SMTP when it died
    assert sum(received.values()) - len(delivered) <= len(failed_unknown)


_seen: list[dict[str, int]] = []


def _stable() -> bool:
    """Nothing queued and the counts unchanged for five seconds: node b has nothing in hand, and
    what is still 'sending' is what node a had claimed when it died."""
    _seen.append(_counts())
    return len(_seen) > 5 and not _seen[-1].get("queued") and all(seen == _seen[-1] for seen in _seen[-6:])


def test_kill_one_node_mid_reply_burst_every_reply_processed_once(app, nodes, monkeypatch):
    a, _b = nodes
    car = connected_car(expiry=dt.date(2027, 5, 31))
    run("2027-02-28")
    notice = Notice.objects.get(vehicle=car, kind="shaken")
    now = timezone.now()
    burst = Reply.objects.bulk_create(
        Reply(company_id=notice.company_id, notice=notice, vehicle=car, channel="app", intent="ask",
              text=f"質問 {i}: オイル交換の費用は?", message_id=f"scale:{i}", received_at=now)
        for i in range(REPLY_BURST)
    )
    for reply in burst:  # what reply_receive queues after each commit
        app.send_task("notifications.reply_process", args=[reply.pk])
    processed = lambda: Reply.objects.exclude(status=ReplyStatus.RECEIVED).count()  # noqa: E731
    wait_until(lambda: processed() >= REPLY_BURST * 0.3, timeout=1800, what="30 % processed")
    a.kill()
    # RabbitMQ hands node a's unacknowledged tasks to node b at once; on Redis they wait for the
    # visibility timeout, and the stuck-reply scan queues them again (as beat runs it later).
    wait_until(lambda: processed() == REPLY_BURST or _quiet(processed), timeout=1800, what="b done with its share")
    # The product's scan, publishing on this broker (see _publisher), as it runs minutes later.
    monkeypatch.setattr(replies, "_queue", lambda reply_id: app.send_task("notifications.reply_process", args=[reply_id]))
    Reply.objects.filter(status=ReplyStatus.RECEIVED).update(received_at=F("received_at") - replies.STUCK_AFTER)
    requeued = replies.replies_requeue_stuck(limit=REPLY_BURST)
    wait_until(lambda: processed() == REPLY_BURST, timeout=1800, what="every reply processed")

    statuses = dict(Reply.objects.values("status").annotate(n=Count("id")).values_list("status", "n"))
    print(f"\nreplies {REPLY_BURST} on {a.broker_url.split(':')[0]}: {statuses}; re-queued by the scan {requeued}")
    assert statuses == {"processed": REPLY_BURST}
    assert Inquiry.objects.count() == REPLY_BURST
    assert Reply.objects.filter(inquiry__isnull=False).values("inquiry").distinct().count() == REPLY_BURST
    once = AuditEntry.objects.filter(action="reply.process").values("target_id").annotate(n=Count("id"))
    assert once.count() == REPLY_BURST and {row["n"] for row in once} == {1}


_last_processed: list[int] = []


def _quiet(processed) -> bool:
    """No reply finished in the last few polls."""
    value = processed()
    _last_processed.append(value)
    return len(_last_processed) > 12 and len(set(_last_processed[-12:])) == 1
