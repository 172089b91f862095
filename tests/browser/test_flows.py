"""The front desk's real flows in Chromium: log in with MFA, find a car by plate, mark a recall
done, send an event mail and opt out of it from the mail's link.

The browser asks for Japanese (the default), so the tests find things by ids, names and links,
not by their (translated) words.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from notifications.models import DealerEvent, DealerEventStatus
from tests.browser.conftest import log_in
from tests.factories import CompanyAdminFactory, CustomerFactory, StoreFactory, StoreStaffFactory
from tests.portal.builders import campaign, recall_target
from tests.portal.conftest import plated_vehicle
from vehicles.models import ConsentCategory, CustomerConsent, RecallStatus
from vehicles.services.consent import consent_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def front_desk():
    store = StoreFactory(name="品川店")
    staff = StoreStaffFactory(store=store, name="受付 ボブ")
    owner = CustomerFactory(company=store.company, name="山田 太郎", name_kana="ヤマダ タロウ", phone="090-1234-5678")
    car = plated_vehicle(store=store, customer=owner, plate=("品川", "330", "さ", 1234), chassis_number="ZVW30-1000083")
    plated_vehicle(store=store, plate=("練馬", "500", "あ", 12), chassis_number="MXAA54-4000001")
    return store, staff, car


def test_log_in_with_mfa_and_find_a_car_by_plate(page, live_server, front_desk):
    _store, staff, car = front_desk
    log_in(page, live_server, staff)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.locator("nav a[href='/vehicles/']").click()
    page.locator("#id_q").fill("品川 330 さ 12-34")  # spaced, as read off the plate
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)  # htmx replaced the results while typing
    expect(rows).to_contain_text("ZVW30-1000083")
    expect(page).to_have_url(re.compile(r"q=.+"))  # the search is in the address bar
    rows.locator(f"a[href='/vehicles/{car.pk}/']").click()
    expect(page.locator("h1")).to_contain_text("品川 330 さ 1234")
    expect(page.locator("#timeline a[href$='/timeline/']")).to_have_count(0)  # htmx replaced the link


def test_mark_a_recall_done_from_the_vehicle_page(page, live_server, front_desk):
    store, staff, car = front_desk
    target = recall_target(car, campaign_=campaign(title="エアバッグ展開の不具合"))
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/vehicles/{car.pk}/")
    recalls = page.locator("section[aria-labelledby=h-recalls]")
    expect(recalls).to_contain_text("エアバッグ展開の不具合")
    recalls.locator(f"a[href='/recalls/targets/{target.pk}/done/']").click()
    page.locator("#id_done_on").fill("2026-05-01")
    expect(page.locator("#id_store")).to_have_value(str(store.pk))
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages li.success")).to_be_visible()
    target.refresh_from_db()
    assert target.status == RecallStatus.DONE and target.done_store_id == store.pk


def test_send_event_mail_and_opt_out_from_it(page, live_server, eager_celery):
    store = StoreFactory(name="品川店")
    admin = CompanyAdminFactory(company=store.company)
    customer = CustomerFactory(company=store.company, name="山田 花子", email="hanako@example.jp")
    consent_set(customer=customer, category=ConsentCategory.MARKETING, granted=True, source="paper form at store")
    plated_vehicle(store=store, customer=customer)
    log_in(page, live_server, admin)

    page.locator("nav a[href='/events/']").click()
    page.locator("main a[href='/events/new/']").click()
    page.locator("#id_title").fill("夏の点検フェア")
    page.locator("#id_body").fill("オイル交換が20%オフになります。")
    page.locator("#id_starts_on").fill("2026-07-01")
    page.locator("#id_ends_on").fill("2026-07-31")
    page.locator(f"input[name=stores][value='{store.pk}']").check()
    page.locator("main form button[type=submit]").click()

    expect(page.locator("#audience-count")).to_have_text("1")
    preview = page.frame_locator("iframe.mail-preview")
    expect(preview.locator("body")).to_contain_text("夏の点検フェア")
    expect(preview.locator("body")).to_contain_text(store.company.postal_address)
    page.locator("#id_send_now").check()
    page.locator("form[action$='/schedule/'] button[type=submit]").click()
    expect(page.locator("#event-status .badge-sent")).to_be_visible()
    event = DealerEvent.objects.get()
    assert event.status == DealerEventStatus.SENT and event.recipient_count == 1

    # The e-mail copy went out through the outbox with the legal footer; the owner opts out from it.
    sent = [m for m in mail.outbox if m.to == ["hanako@example.jp"]]
    assert len(sent) == 1 and store.company.complaints_contact in sent[0].body
    assert sent[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = re.search(r"/optout/[^\s\"<>]+/", sent[0].body).group(0)
    page.goto(live_server.url + path)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()  # one click: refused at once
    assert not CustomerConsent.objects.get(customer=customer, category=ConsentCategory.MARKETING).granted
