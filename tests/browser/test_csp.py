"""Content-Security-Policy (issue 12 point 4): every page Chromium opens here — the portal's, the
login and code steps, two-factor settings, the API docs, the Django admin — logs no violation,
and the language switch (an inline onchange before) still works without inline script."""

from __future__ import annotations

import pytest

from tests.auth import PASSWORD, TOTP_SECRET, totp_activate, totp_code
from tests.browser import scene
from tests.browser.conftest import log_in
from tests.browser.test_tablets import _list_pages
from tests.factories import PlatformAdminFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every page before its own scripts; Playwright's init scripts are not subject to the CSP.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation (event or console message) collected in a list."""
    seen: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    return page, seen


def _visit(page, seen: list[str], url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    seen += [f"{url}: {v}" for v in page.evaluate("window.__csp")]


def test_no_portal_page_logs_a_violation(watched, live_server):
    page, seen = watched
    world = scene.build()
    log_in(page, live_server, world["admin"])  # the login page and the code step on the way
    pages = {**_list_pages(world), "event": f"/events/{world['event'].pk}/", "mfa": "/accounts/2fa/",
             "reminders": "/settings/reminders/", "api-docs": "/api/docs/"}
    for path in pages.values():
        _visit(page, seen, live_server.url + path)
    page.goto(live_server.url + "/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()  # Swagger UI started: its script ran
    assert not seen, "\n".join(seen)


def test_the_language_switch_works_without_inline_script(watched, live_server):
    page, seen = watched
    page.goto(live_server.url + "/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "ja"
    with page.expect_navigation():
        page.locator("#lang-select").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    seen += page.evaluate("window.__csp")
    assert not seen, "\n".join(seen)


def test_the_django_admin_logs_no_violation(watched, live_server):
    page, seen = watched
    admin = PlatformAdminFactory(is_superuser=True)
    totp_activate(admin, TOTP_SECRET)
    page.goto(f"{live_server.url}/accounts/login/?next=/admin/")
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.locator("input[name=code]").fill(totp_code(TOTP_SECRET))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(f"{live_server.url}/admin/")
    for path in ("/admin/", "/admin/vehicles/vehicle/", "/admin/vehicles/vehicle/add/", "/admin/dealers/user/"):
        _visit(page, seen, live_server.url + path)
    assert not seen, "\n".join(seen)
