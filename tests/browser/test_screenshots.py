"""Screenshots of the main portal pages (docs/screenshots/*.png) on a tablet-sized screen,
taken in the default language from a small realistic scene; each page must load cleanly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import scene
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_main_pages_screenshots(page, live_server, tmp_path):
    # The README's pictures are refreshed only on request (make screenshots); a plain test
    # run must not rewrite tracked files.
    SHOTS = DOCS_SHOTS if os.environ.get("TCONNECT_SCREENSHOTS") == "1" else tmp_path
    world = scene.build()
    log_in(page, live_server, world["admin"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    star = world["star"]
    pages = [
        ("today", "/today/", None),
        ("vehicles-search", "/vehicles/?q=品川", "#results tbody tr"),
        ("vehicle", f"/vehicles/{star.pk}/", "#timeline ol.timeline"),
        ("appointments", f"/appointments/?store={world['store'].pk}", None),
        ("inquiries", "/inquiries/", None),
        ("followup", f"/vehicles/followups/{world['followup'].pk}/", None),
        ("recalls", "/recalls/", None),
        ("recall-campaign", f"/recalls/{world['campaign'].pk}/", None),
        ("event-compose", "/events/new/", None),
        ("event-preview", f"/events/{world['event'].pk}/", None),
        ("results", "/results/", None),
        ("settings-store", f"/settings/stores/{world['store'].pk}/", None),
        ("settings-reminders", "/settings/reminders/", None),
    ]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    for name, path, wait_for in pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        if wait_for:
            expect(page.locator(wait_for).first).to_be_visible()
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert errors == []
