"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is the system's `chromium` (apt-get install chromium).
The sync Playwright API keeps an event loop running in the test thread, so Django's guard
against database calls from async code must be lifted for the test's own set-up queries.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from tests.auth import PASSWORD, TOTP_SECRET, totp_activate, totp_code

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
# A tablet at the front desk, landscape.
TABLET = {"width": 1180, "height": 820}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: apt-get install -y chromium (never `playwright install`).")
    return {**browser_type_launch_args, "executable_path": executable, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": TABLET, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


@pytest.fixture
def eager_celery():
    """Tasks queued on commit run inline in the live server's thread (no broker in tests)."""
    from tconnect.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def log_in(page, live_server, user) -> None:
    """The real login: e-mail and password, then a code from the authenticator app."""
    totp_activate(user, TOTP_SECRET)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    # A code typed in the last seconds of its 30-second window may expire before it is checked.
    while time.time() % 30 > 25:
        time.sleep(0.5)
    page.locator("input[name=code]").fill(totp_code(TOTP_SECRET))
    page.locator("input[name=code]").press("Enter")  # the form's first button: sign in
    page.wait_for_url(f"{live_server.url}/today/")
