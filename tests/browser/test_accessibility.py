"""Accessibility in Chromium, on the realistic scene of the screenshots: text contrast (WCAG AA),
the tablet at the front desk in both orientations (no sideways scrolling), and the keyboard
alone finding a car and opening it with a visible focus. The HTML-level checks (labels,
headings, alt text) run on every page in tests/test_accessibility.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import scene
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every visible text node: its colour against the first opaque background behind it, and the
# WCAG contrast ratio (4.5 for body text; 3 for large text: 24 px, or 18.66 px bold).
CONTRAST_JS = """
() => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const lum = ({r, g, b}) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                                 return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (; el; el = el.parentElement) { const c = parse(getComputedStyle(el).backgroundColor);
                                 if (c.a > 0.5) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width <= 1 || box.height <= 1) continue;
    if (el.closest('[aria-hidden=true], .visually-hidden, option, script, style')) continue;
    const fg = parse(style.color), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) problems.push(`${el.tagName.toLowerCase()} "${node.textContent.trim().slice(0, 30)}": ${ratio.toFixed(2)} < ${needed}`);
  }
  return problems;
}
"""


def _pages(world) -> list[str]:
    star = world["star"]
    return [
        "/today/", "/vehicles/?q=品川", f"/vehicles/{star.pk}/", f"/appointments/?store={world['store'].pk}",
        "/inquiries/", f"/vehicles/followups/{world['followup'].pk}/", "/recalls/", f"/recalls/{world['campaign'].pk}/",
        "/events/new/", f"/events/{world['event'].pk}/", "/results/", f"/settings/stores/{world['store'].pk}/",
        "/settings/reminders/",
    ]


def test_text_contrast_and_the_tablet_layout(page, live_server):
    world = scene.build()
    log_in(page, live_server, world["admin"])
    problems = []
    for size in ({"width": 1180, "height": 820}, {"width": 820, "height": 1180}):  # landscape, portrait
        page.set_viewport_size(size)
        for path in _pages(world):
            assert page.goto(live_server.url + path).status == 200, path
            problems += [f"{path}: {p}" for p in page.evaluate(CONTRAST_JS)]
            # Wide tables may scroll inside their own box; the page itself must not scroll sideways.
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 1:
                problems.append(f"{path} at {size['width']} px wide scrolls sideways by {overflow} px")
    assert not problems, "\n".join(problems)
    # The checks see what they look for: pale text, and a page wider than the screen.
    page.evaluate("document.querySelector('main, body').insertAdjacentHTML('beforeend', "
                  "'<p style=\"color:#aaa;background:#fff\">薄い文字</p><div style=\"width:3000px\">幅</div>')")
    assert any("薄い文字" in p for p in page.evaluate(CONTRAST_JS))
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") > 1


def test_the_keyboard_alone_finds_a_car_and_opens_it(page, live_server):
    world = scene.build()
    log_in(page, live_server, world["admin"])
    page.goto(live_server.url + "/vehicles/")
    for _ in range(40):  # Tab through the header and navigation to the search box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_q":
            break
    else:
        pytest.fail("Tab never reached the search box")
    focus = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); "
                          "return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 || s.boxShadow !== 'none'; })()")
    assert focus, "the focused search box shows no focus indicator"
    page.keyboard.type("品川 330 さ 12-34")
    page.keyboard.press("Enter")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    link = rows.locator("a").first
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/vehicles/{world['star'].pk}/")
