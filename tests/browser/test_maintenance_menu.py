"""Edit the maintenance menu in Chromium (issue 11 §4): a company admin opens it from the
settings, changes the engine oil interval, and sees the menu and the audit trail change; store
staff see the same menu read-only. Found by ids and data attributes, not translated words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dealers.models import AuditEntry
from tests.browser.conftest import log_in
from tests.factories import CompanyAdminFactory, StoreFactory, StoreStaffFactory
from vehicles.models import MaintenanceItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_company_admin_edits_the_maintenance_menu(page, live_server):
    store = StoreFactory(name="品川店")
    admin = CompanyAdminFactory(company=store.company, name="管理 アリス")
    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/settings/")
    page.locator("a[href='/vehicles/maintenance/']").click()
    oil_row = page.locator("tr[data-code=engine_oil]")
    expect(oil_row).to_contain_text("15000")
    oil_row.locator("a").click()
    expect(page.locator("#id_code")).to_have_count(0)  # the work item is fixed once created
    page.locator("#id_interval_km").fill("10000")
    page.locator("#id_severe_interval_months").fill("4")
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/vehicles/maintenance/")
    expect(page.locator("tr[data-code=engine_oil]")).to_contain_text("10000")
    oil = MaintenanceItem.objects.get(company=store.company, code="engine_oil")
    assert (oil.interval_km, oil.severe_interval_months) == (10_000, 4)
    assert AuditEntry.objects.filter(action="maintenance_item.save", actor=admin).exists()

    # A bad value is a form error on the page, and nothing changes.
    page.locator("tr[data-code=engine_oil] a").click()
    page.locator("#id_interval_km").fill("10")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator(".errorlist")).to_have_count(1)
    oil.refresh_from_db()
    assert oil.interval_km == 10_000


def test_store_staff_see_the_menu_read_only(page, live_server):
    store = StoreFactory(name="品川店")
    staff = StoreStaffFactory(store=store, name="受付 ボブ")
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/vehicles/maintenance/")
    page.locator("tr[data-code=brake_fluid] a").click()
    expect(page.locator("#id_interval_months")).to_be_disabled()
    expect(page.locator("form.stacked button[type=submit]")).to_have_count(0)
