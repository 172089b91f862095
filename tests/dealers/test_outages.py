"""Outages answer honestly and heal by themselves (issue 12 point 8): during a database outage
API paths answer JSON 503 with Retry-After (they answered HTML "Server Error (500)"), the portal
a short 503 page; after it, the same server processes answer normally without a restart."""

from __future__ import annotations

import pytest
from django.conf import global_settings
from kombu.exceptions import OperationalError as BrokerError

from dealers.models import Role
from tests.factories import UserFactory
from tests.gunicorn_harness import Browser, Gunicorn, this_test_database_url
from tests.outage_proxy import OutageProxy

PASSWORD = "a-real-password-2026"
PRODUCTION = {
    "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k3Jq9vLp2Zr8Wm4Tn6Yb1Hc5Fd0Gs" * 2, "DJANGO_ALLOWED_HOSTS": "localhost",
    "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0", "CELERY_BROKER_URL": "memory://",
}


@pytest.fixture
def proxied_server(transactional_db, tmp_path, settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    proxy = OutageProxy()
    url = this_test_database_url().split("?")[0].replace("@/", f"@127.0.0.1:{proxy.port}/")
    server = Gunicorn(env={**PRODUCTION, "DATABASE_URL": url}, log=tmp_path / "gunicorn.log")
    try:
        yield server.start(), proxy
    finally:
        server.stop()
        proxy.close()


@pytest.mark.slow
def test_a_database_outage_is_a_503_and_heals_without_a_restart(proxied_server):
    server, proxy = proxied_server
    owner = UserFactory(role=Role.OWNER, password=PASSWORD)
    login = Browser().post(f"{server.url}/_allauth/app/v1/auth/login", json_body={"email": owner.email, "password": PASSWORD})
    assert login.status == 200, login.text[:300]
    token = {"X-Session-Token": login.json()["meta"]["session_token"]}
    api, portal = Browser(), Browser()
    session = {"Cookie": "sessionid=a-session-the-database-must-look-up"}
    assert api.get(f"{server.url}/api/v1/me/vehicles/", headers=token).status == 200

    proxy.cut()
    for _ in range(2):  # the broken persistent connection, then a refused new one
        answer = api.get(f"{server.url}/api/v1/me/vehicles/", headers=token)
        assert answer.status == 503
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.headers["Retry-After"] == "10"
        assert set(answer.json()) == {"detail"}
    page = portal.get(f"{server.url}/vehicles/", headers=session)
    assert page.status == 503 and page.headers["Retry-After"] == "10"
    assert "text/html" in page.headers["Content-Type"] and "<h1>" in page.text and len(page.body) < 2000

    proxy.restore()
    assert api.get(f"{server.url}/api/v1/me/vehicles/", headers=token).status == 200
    assert portal.get(f"{server.url}/vehicles/", headers=session).status == 302  # to the login: the session is unknown
    assert server.process is not None and server.process.poll() is None  # the same server process


@pytest.mark.django_db
def test_a_broker_outage_inside_a_request_is_a_json_503(client, monkeypatch):
    from vehicles.api import vehicles as vehicle_api

    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    owner = UserFactory(role=Role.OWNER)
    client.force_login(owner)
    monkeypatch.setattr(vehicle_api.OwnerVehicleListApi, "get_queryset", broker_down, raising=True)
    client.raise_request_exception = False
    answer = client.get("/api/v1/me/vehicles/")
    assert answer.status_code == 503 and answer["Retry-After"] == "10"
    assert set(answer.json()) == {"detail"}


@pytest.mark.django_db
def test_any_other_failure_on_an_api_path_is_json(client, monkeypatch):
    from vehicles.api import vehicles as vehicle_api

    def bug(*args, **kwargs):
        raise ZeroDivisionError

    client.force_login(UserFactory(role=Role.OWNER))
    monkeypatch.setattr(vehicle_api.OwnerVehicleListApi, "get_queryset", bug, raising=True)
    client.raise_request_exception = False
    answer = client.get("/api/v1/me/vehicles/")
    assert answer.status_code == 500 and set(answer.json()) == {"detail"}
