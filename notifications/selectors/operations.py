"""The product's own figures for Prometheus, read from the database and the broker at scrape time.

Read from shared state rather than counted in one process, they are the same whichever web node
is scraped and survive restarts. Every statement is bounded by an index (the partial indexes of
the outbox's live states, received_at / opened_at, the primary key of replies, a day of funnel
rows), so a scrape costs milliseconds at millions of cars; the figures are kept `CACHE_SECONDS`
in the shared cache so several nodes and scrapers do not repeat them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from statistics import quantiles
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min, Sum
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from dealers.selectors.calendar import BUSINESS_TZ
from notifications.models import Delivery, DeliveryStatus, FunnelDay, Reply, ReplyStatus
from vehicles.models import FollowUp, TelemetryBatch, VehicleWarning
from vehicles.models.followups import FollowUpStatus

log = logging.getLogger(__name__)

CACHE_KEY = "metrics:figures:v1"
CACHE_SECONDS = 15
RECENT_REPLIES = 1000  # the latency window: the latest replies, newest first by primary key
TELEMETRY_WINDOW = timedelta(seconds=60)
_LIVE_STATES = (DeliveryStatus.WAITING, DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


def _outbox() -> dict[str, Any]:
    rows = Delivery.objects.filter(status__in=_LIVE_STATES).values("channel", "status").annotate(n=Count("id"))
    oldest = Delivery.objects.filter(status=DeliveryStatus.QUEUED).aggregate(at=Min("next_attempt_at"))["at"]
    age = max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0
    return {"live": [(r["channel"], r["status"], r["n"]) for r in rows], "oldest_age": age}


def _today_funnel() -> list[tuple[str, int, int, int]]:
    """Today's notices by kind (sent) and their deliveries that reached / were read, from the
    funnel rows the results page uses (refreshed every 10 minutes)."""
    rows = (
        FunnelDay.objects.filter(send_on=timezone.now().astimezone(BUSINESS_TZ).date())
        .values("kind")
        .annotate(sent=Sum("sent"), delivered=Sum("delivered"), read=Sum("read"))
    )
    return [(r["kind"], r["sent"] or 0, r["delivered"] or 0, r["read"] or 0) for r in rows]


def _replies() -> dict[str, Any]:
    now = timezone.now()
    recent = list(Reply.objects.order_by("-id").values_list("received_at", "processed_at")[:RECENT_REPLIES])
    last_hour = [(r, p) for r, p in recent if r >= now - timedelta(hours=1)]
    latencies = sorted((p - r).total_seconds() for r, p in last_hour if p is not None)
    p50 = p95 = 0.0
    if len(latencies) >= 2:
        cuts = quantiles(latencies, n=20, method="inclusive")
        p50, p95 = cuts[9], cuts[18]
    elif latencies:
        p50 = p95 = latencies[0]
    pending = Reply.objects.filter(status=ReplyStatus.RECEIVED).count()
    return {"last_hour": len(last_hour), "pending": pending, "p50": p50, "p95": p95}


def _telemetry() -> dict[str, float]:
    since = timezone.now() - TELEMETRY_WINDOW
    row = TelemetryBatch.objects.filter(received_at__gte=since).aggregate(n=Count("id"), readings=Sum("accepted"))
    seconds = TELEMETRY_WINDOW.total_seconds()
    return {"batches": (row["n"] or 0) / seconds, "readings": (row["readings"] or 0) / seconds}


def _care() -> dict[str, int]:
    now = timezone.now()
    opened = VehicleWarning.objects.filter(opened_at__gte=now - timedelta(hours=24)).count()
    overdue = FollowUp.objects.filter(status=FollowUpStatus.OPEN, due_at__lt=now).count()
    return {"warnings_24h": opened, "followups_overdue": overdue}


def _queue_lengths() -> dict[str, int | None]:
    """Messages waiting in each routed queue (None: the broker could not say)."""
    names = sorted({route["queue"] for route in settings.CELERY_TASK_ROUTES.values()})
    lengths: dict[str, int | None] = {}
    try:
        with current_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            channel = conn.default_channel
            for name in names:
                try:
                    lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except Exception:  # not declared yet: nothing waits in it
                    lengths[name] = 0
                    channel = conn.channel()
    except Exception:
        log.warning("metrics: broker unreachable", exc_info=True)
        lengths = dict.fromkeys(names)
    return lengths


def product_figures() -> dict[str, Any]:
    figures = cache.get(CACHE_KEY)
    if figures is None:
        figures = {
            "outbox": _outbox(),
            "funnel": _today_funnel(),
            "replies": _replies(),
            "telemetry": _telemetry(),
            "care": _care(),
            "queues": _queue_lengths(),
        }
        cache.set(CACHE_KEY, figures, CACHE_SECONDS)
        connection.close_if_unusable_or_obsolete()
    return figures


def product_metrics(figures: dict[str, Any]) -> Iterator[Metric]:
    """The figures as Prometheus metric families (a custom collector yields these)."""
    live = GaugeMetricFamily("tconnect_deliveries_live", "Deliveries not finished, by channel and state", labels=["channel", "state"])
    for channel, state, n in figures["outbox"]["live"]:
        live.add_metric([channel, state], n)
    yield live
    yield GaugeMetricFamily("tconnect_outbox_oldest_age_seconds", "Age of the oldest queued delivery", value=figures["outbox"]["oldest_age"])
    notices = GaugeMetricFamily("tconnect_notices_today", "Notices sent today (Asia/Tokyo) by kind", labels=["kind"])
    deliveries = GaugeMetricFamily("tconnect_notices_today_by_outcome", "Today's notices delivered / read, by kind", labels=["kind", "outcome"])
    for kind, sent, delivered, read in figures["funnel"]:
        notices.add_metric([kind], sent)
        deliveries.add_metric([kind, "delivered"], delivered)
        deliveries.add_metric([kind, "read"], read)
    yield notices
    yield deliveries
    replies = figures["replies"]
    yield GaugeMetricFamily("tconnect_replies_received_last_hour", "Replies received in the last hour", value=replies["last_hour"])
    yield GaugeMetricFamily("tconnect_replies_pending", "Replies received and not processed yet", value=replies["pending"])
    latency = GaugeMetricFamily("tconnect_reply_processing_seconds", "Reply received to processed, last hour", labels=["quantile"])
    latency.add_metric(["0.5"], replies["p50"])
    latency.add_metric(["0.95"], replies["p95"])
    yield latency
    telemetry = figures["telemetry"]
    yield GaugeMetricFamily("tconnect_telemetry_batches_per_second", "Telemetry batches accepted, last minute", value=telemetry["batches"])
    yield GaugeMetricFamily("tconnect_telemetry_readings_per_second", "Telemetry readings accepted, last minute", value=telemetry["readings"])
    yield GaugeMetricFamily("tconnect_warnings_opened_last_day", "Vehicle warnings opened in the last 24 hours", value=figures["care"]["warnings_24h"])
    yield GaugeMetricFamily("tconnect_followups_overdue", "Open follow-ups past their due time", value=figures["care"]["followups_overdue"])
    queues = GaugeMetricFamily("tconnect_queue_length", "Messages waiting in each Celery queue", labels=["queue"])
    for name, length in figures["queues"].items():
        if length is not None:
            queues.add_metric([name], length)
    yield queues
    yield GaugeMetricFamily("tconnect_broker_up", "1 when the broker answered the scrape", value=int(all(v is not None for v in figures["queues"].values())))
