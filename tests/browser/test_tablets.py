"""Tablets at the front desk (issue 16 point 11): every list page at 768 and 1024 px wide (and
the desktop's 1366) is screenshotted, must not scroll sideways, and breaks no word across lines
(店/舗, 配信実/績, 090-1234-/5678 were the complaints). Tables drop their low-value columns on
a tablet held upright."""

from __future__ import annotations

import pytest

from tests.browser import scene
from tests.browser.conftest import log_in
from tests.browser.layout_checks import BROKEN_WORDS_JS, layout_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(768, 1024), (1024, 768), (1366, 768)]


def _list_pages(world) -> dict[str, str]:
    star = world["star"]
    return {
        "today": "/today/", "vehicles-search": "/vehicles/?q=品川", "vehicles": "/vehicles/",
        "appointments": f"/appointments/?store={world['store'].pk}", "inquiries": "/inquiries/",
        "followups": "/vehicles/followups/", "followup": f"/vehicles/followups/{world['followup'].pk}/",
        "recalls": "/recalls/", "recall-campaign": f"/recalls/{world['campaign'].pk}/", "events": "/events/",
        "results": "/results/", "settings": "/settings/", "settings-store": f"/settings/stores/{world['store'].pk}/",
        "staff": "/staff/", "vehicle": f"/vehicles/{star.pk}/", "timeline": f"/vehicles/{star.pk}/timeline/",
    }


def test_every_list_page_fits_the_tablet_and_breaks_no_word(page, live_server, tmp_path):
    world = scene.build()
    log_in(page, live_server, world["admin"])
    problems = []
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        for name, path in _list_pages(world).items():
            assert page.goto(live_server.url + path).status == 200, path
            page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
            problems += layout_problems(page, f"{path} at {width} px")
    assert not problems, "\n".join(problems)
    assert len(list(tmp_path.glob("*.png"))) == len(WIDTHS) * len(_list_pages(world))


def test_low_value_columns_step_aside_on_an_upright_tablet(page, live_server):
    world = scene.build()
    log_in(page, live_server, world["admin"])
    chassis = "#results th.col-low"
    for width, shown in ((768, False), (1024, True)):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/vehicles/?q=品川")
        assert page.locator(chassis).first.is_visible() is shown
        # The columns that stay: plate, car, owner (with the phone), expiry, store, warnings.
        assert page.locator("#results thead th:visible").count() == (8 if shown else 6)


def test_the_checks_see_what_they_look_for(page, live_server):
    world = scene.build()
    log_in(page, live_server, world["admin"])
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{live_server.url}/today/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', "
                  "'<p style=\"width:1.2em\">店舗</p><p style=\"width:4em\">090-1234-5678</p>"
                  "<div style=\"width:3000px\">幅</div>')")
    broken = page.evaluate(BROKEN_WORDS_JS)
    assert any("店舗" in b for b in broken) and any("090-1234-5678" in b for b in broken)
    assert any("sideways" in p for p in layout_problems(page, "self-test"))
