"""Several web nodes: two gunicorn instances on different ports sharing the database and the
cache (Redis, as in production: CACHE_URL). A staff member signs in with the password on one,
gives the TOTP code on the other and carries on on both; the login limit counts across both."""

from __future__ import annotations

import pytest
from django.conf import global_settings

from tests.auth import totp_activate, totp_code
from tests.factories import StoreStaffFactory
from tests.gunicorn_harness import Browser, Gunicorn, free_port, this_test_database_url

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-real-password-2026"


@pytest.fixture
def nodes(tmp_path, settings):
    from tconnect.devstack import start_redis

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # the servers hash as production does
    port = free_port()
    cache = start_redis(port)
    env = {"DATABASE_URL": this_test_database_url(), "CELERY_BROKER_URL": "memory://",
           "CACHE_URL": f"redis://127.0.0.1:{port}/1"}
    pair = [Gunicorn(env=env, log=tmp_path / f"web-{name}.log", workers=2) for name in ("a", "b")]
    try:
        yield [node.start() for node in pair]
    finally:
        for node in pair:
            node.stop()
        cache.terminate()
        cache.wait(timeout=10)


def _fresh_window() -> None:
    import time

    if time.time() % 30 > 18:
        time.sleep(30.5 - time.time() % 30)


def test_sign_in_on_one_node_and_carry_on_on_the_other(nodes):
    a, b = nodes
    staff = StoreStaffFactory(password=PASSWORD)
    totp_activate(staff)
    _fresh_window()
    browser = Browser()
    browser.get(f"{a.url}/accounts/login/")
    step = browser.post(f"{a.url}/accounts/login/", form={"login": staff.email, "password": PASSWORD})
    assert (step.status, step.headers["Location"]) == (302, "/accounts/2fa/authenticate/")
    done = browser.post(f"{b.url}/accounts/2fa/authenticate/", form={"code": totp_code()})  # the code on the other node
    assert (done.status, done.headers["Location"]) == (302, "/")
    for node in (a, b, a):
        page = browser.get(f"{node.url}/today/")
        assert page.status == 200, node.url  # signed out, it is a redirect to the login page
        assert 'name="login"' not in page.text
    assert browser.get(f"{b.url}/readyz").status == 200
    logout = browser.post(f"{b.url}/accounts/logout/", form={})
    assert logout.status == 302
    assert browser.get(f"{a.url}/today/").status == 302  # signed out everywhere


def test_the_portal_login_limit_counts_across_both_nodes(nodes):
    staff = StoreStaffFactory(password=PASSWORD)
    totp_activate(staff)
    attacker = Browser()
    attacker.get(f"{nodes[0].url}/accounts/login/")
    for attempt in range(5):
        node = nodes[attempt % 2]
        answer = attacker.post(f"{node.url}/accounts/login/", form={"login": staff.email, "password": "wrong-pass-123"})
        assert answer.status == 200  # the form again
    # The sixth try, with the right password, on either node: refused (the form again, not the code step).
    for node in nodes:
        answer = attacker.post(f"{node.url}/accounts/login/", form={"login": staff.email, "password": PASSWORD})
        assert answer.status == 200, node.url
    # Another staff member is not locked out by this one's attacker.
    other = StoreStaffFactory(password=PASSWORD)
    totp_activate(other)
    fine = Browser()
    fine.get(f"{nodes[1].url}/accounts/login/")
    answer = fine.post(f"{nodes[1].url}/accounts/login/", form={"login": other.email, "password": PASSWORD})
    assert (answer.status, answer.headers["Location"]) == (302, "/accounts/2fa/authenticate/")
