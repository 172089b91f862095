"""Every staff page in Japanese shows labels, never internal codes or English (issue 16 points 7
and 8): enum values, warning codes, notice stages, call outcomes all go through their labels.

The pages come from the URL resolver (every portal route, its object ids filled from a busy
dealer day), so a page added later is checked too.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import Inquiry, NoticeKind
from tests.auth import login_staff
from tests.browser import scene
from tests.portal.builders import notice, reply
from tests.portal.visible_text import leaks, visible_text
from tests.test_outsider_walk import _ROUTE_KWARG, project_routes
from vehicles.models import Appointment, FollowUpCall, VehicleWarning

pytestmark = pytest.mark.django_db


def test_the_checker_finds_codes_and_english():
    html = ('<html><body><p>警告 — stop_now</p><span title="lamp:charging">x</span><p>状態: confirmed</p>'
            '<p>Reached the owner</p><p>T-Connect e-Care owner@example.jp http://x.jp/a_b/</p>'
            '<script>var see_dealer_soon = 1;</script><p>ZVW30-1000083 P0420 48210 km</p><p>期限 2026-12-10</p></body></html>')
    found = " ".join(leaks(html))
    assert all(word in found for word in ("stop_now", "lamp:charging", "confirmed", "Reached", "2026-12-10"))
    assert "see_dealer_soon" not in found and "owner@example.jp" not in found and "P0420" not in found
    assert "T-Connect" in " ".join(visible_text(html))


def _busy_day():
    """The screenshot scene, plus on the star car every kind of notice stage, a follow-up call,
    a reply of every outcome, an answered inquiry and a cleared lamp warning."""
    world = scene.build()
    star = world["star"]
    due = {"due": {"kind": "shaken", "event_date": star.shaken_expiry.isoformat()}}
    visit = {"appointment": {"starts_at": timezone.now().isoformat()}}
    for stage in ("requested", "confirmed", "proposed", "cancelled", "changed", "moved", "alternatives", "needs_time"):
        notice(star, kind=NoticeKind.APPOINTMENT, stage=stage, context={**due, **visit})
    for stage in ("received", "answered"):
        notice(star, kind=NoticeKind.INQUIRY_ANSWER, stage=stage, context=due)
    for stage in ("stop_now", "see_dealer_soon", "info"):
        notice(star, kind=NoticeKind.WARNING, stage=stage)
    notice(star, kind=NoticeKind.DEVICE, stage="info")
    first = notice(star)
    for outcome in ("requested", "alternatives", "needs_time", "changed", "cancelled", "inquiry"):
        reply(first, outcome=outcome)
    Inquiry.objects.filter(vehicle__company=star.company).update(status="answered", answer="はい", answered_at=timezone.now())
    now = timezone.now()
    VehicleWarning.objects.create(vehicle=star, code="lamp:mil", kind="lamp", severity="see_dealer_soon",
                                  opened_at=now - dt.timedelta(days=3), closed_at=now - dt.timedelta(days=2))
    VehicleWarning.objects.create(vehicle=star, code="lamp:oil_pressure", kind="lamp", severity="stop_now", opened_at=now)
    FollowUpCall.objects.create(followup=world["followup"], actor=world["admin"], called_at=now, outcome="reached",
                                advice="安全な場所に停車してください。", next_action="visit")
    return world


def _ids(world) -> dict[str, int]:
    star = world["star"]
    appointment = Appointment.objects.filter(vehicle__company=star.company).order_by("id").first()
    inquiry = Inquiry.objects.filter(company=star.company).order_by("id").first()
    return {
        "vehicle_id": star.pk, "pk": star.pk, "customer_id": star.customer_id, "store_id": world["store"].pk,
        "user_id": world["admin"].pk, "campaign_id": world["campaign"].pk, "event_id": world["event"].pk,
        "followup_id": world["followup"].pk, "appointment_id": appointment.pk, "inquiry_id": inquiry.pk,
        "recall_target_id": star.recall_targets.first().pk,
        "closing_rule_id": world["store"].closing_rules.first().pk,
        "calendar_exception_id": world["store"].calendar_exceptions.first().pk,
    }


def _pages(ids: dict[str, int]) -> list[str]:
    urls = []
    for route in project_routes():
        if route.audience != "staff" or route.path.startswith("api/") or route.regex:
            continue
        if any(kwarg not in ids for kwarg in route.kwargs):
            continue  # tokens (invitation, opt-out) and the staff API: not portal pages
        urls.append("/" + _ROUTE_KWARG.sub(lambda m: str(ids[m.group("name")]), route.path))
    return [*urls, "/vehicles/?q=品川", "/vehicles/followups/?state=closed", "/accounts/login/"]


def test_every_staff_page_in_japanese_shows_no_code_or_english():
    world = _busy_day()
    client = Client()
    login_staff(client, world["admin"])
    checked, problems = [], []
    for url in _pages(_ids(world)):
        response = client.get(url, headers={"Accept-Language": "ja"})
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue  # POST-only actions, redirects, the CSV export
        html = response.content.decode()
        assert 'lang="ja"' in html, url
        checked.append(url)
        problems += [f"{url}: {leak}" for leak in leaks(html)]
    assert len(checked) >= 25, checked
    assert not problems, "\n".join(problems)


def test_the_timeline_names_what_each_date_is():
    """A booking notice says which due event it is for (車検満了日), never a bare 対象イベント日."""
    world = _busy_day()
    client = Client()
    login_staff(client, world["admin"])
    star = world["star"]
    html = client.get(f"/vehicles/{star.pk}/timeline/").content.decode()
    expiry = star.shaken_expiry
    assert f"車検満了日：{expiry.year}年{expiry.month}月{expiry.day}日" in html
    assert "対象イベント日" not in html
    assert "予約確定" in html
    called = client.get(f"/vehicles/{world['followup'].vehicle_id}/timeline/").content.decode()
    assert "電話連絡：オーナーと連絡が取れた" in called and "安全な場所に停車してください。" in called


def test_labels_the_front_desk_tripped_over():
    world = _busy_day()
    client = Client()
    login_staff(client, world["admin"])
    store = client.get(f"/settings/stores/{world['store'].pk}/").content.decode()
    header = re.search(r'<table class="list compact hours">.*?</thead>', store, re.S).group(0)
    assert "営業" in header and "未対応" not in header
    board = client.get(f"/appointments/?store={world['store'].pk}").content.decode()
    assert re.search(r'<label for="day">日付</label>', board)
    login = Client().get("/accounts/login/").content.decode()
    assert login.count("パスワードをお忘れですか") == 1
