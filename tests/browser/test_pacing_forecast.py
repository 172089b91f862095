"""Issue 14 §3 in Chromium (ja-JP): from a store's settings the company admin opens the booking
forecast and reads, week by week, the capacity and the expected bookings with and without
pacing — the figures the forecast service computes for the same day."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from dealers.selectors.calendar import business_date
from notifications.models import ReminderPolicy
from notifications.services import reminder_pacing
from tests.browser.conftest import log_in
from tests.factories import CompanyAdminFactory, StoreFactory
from tests.notifications.pipeline import connected_car

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_company_admin_reads_the_forecast_from_the_store_settings(page, live_server):
    store = StoreFactory(name="品川店", service_bays=1)
    admin = CompanyAdminFactory(company=store.company)
    today = business_date()
    for _ in range(40):  # 40 first shaken notices due in ten days
        connected_car(store=store, expiry=today + dt.timedelta(days=10 + 92), registered=None)
    policy = ReminderPolicy(company=store.company)
    buckets = reminder_pacing.reminder_buckets(store=store, policy=policy, on=today, days=84)
    expected = reminder_pacing.forecast(store=store, buckets=buckets, on=today, paced=True)

    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/settings/stores/{store.pk}/")
    page.locator("#forecast-link").click()
    expect(page.locator("h1")).to_contain_text("予約の見込み")
    rows = page.locator("#forecast tbody tr")
    expect(rows).to_have_count(12)
    assert "ペース配分" in page.locator("#forecast thead").inner_text()
    for index, week in enumerate(expected.weeks):
        row = rows.nth(index)
        assert row.get_attribute("data-week") == week.monday.isoformat()
        assert row.locator("td.capacity").inner_text() == f"{week.capacity_hours:.1f}"
        assert row.locator("td.without").inner_text().split()[0] == f"{week.without_hours:.1f}"
        assert row.locator("td.paced").inner_text().split()[0] == f"{week.paced_hours:.1f}"
    full_week = rows.nth(1).locator("td.capacity")
    expect(full_week).to_have_text("48.0")  # one bay, 10:00–18:00, six days
    assert sum(w.without_hours for w in expected.weeks) > 0
