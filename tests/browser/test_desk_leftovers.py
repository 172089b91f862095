"""Issue 16's leftovers in Chromium (ja-JP) at desktop and tablet widths: a second open booking
of a car is flagged with a link to the first; proposing another time is picking free times."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealers.selectors.calendar import BUSINESS_TZ
from tests.browser.conftest import log_in
from tests.browser.test_front_desk import DESKTOP, UPRIGHT
from tests.factories import CustomerFactory, StoreFactory, StoreStaffFactory
from tests.portal.builders import appointment
from tests.portal.conftest import plated_vehicle
from vehicles.models import Appointment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tuesday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(1 - today.weekday()) % 7 + 7)


@pytest.mark.parametrize("screen", [DESKTOP, UPRIGHT], ids=["desktop", "tablet"])
def test_twin_booking_flagged_and_propose_by_picking_free_times(page, live_server, screen):
    store = StoreFactory(name="品川店")
    staff = StoreStaffFactory(store=store)
    car = plated_vehicle(store=store, customer=CustomerFactory(company=store.company, name="山田 太郎"))
    tuesday = _tuesday()
    first = appointment(car, starts_at=dt.datetime.combine(tuesday, dt.time(10), BUSINESS_TZ), state="requested", hold=True)
    wednesday = tuesday + dt.timedelta(days=1)
    second = appointment(car, starts_at=dt.datetime.combine(wednesday, dt.time(11), BUSINESS_TZ), state="requested", hold=True)
    page.set_viewport_size(screen)
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/appointments/?store={store.pk}&day={wednesday.isoformat()}")
    flag = page.locator(f"#appointment-{second.pk} .twin")
    expect(flag).to_contain_text("この車の同じ用件の予約がもう一件あります")
    flag.locator("a").click()
    expect(page.locator(f"#appointment-{first.pk}")).to_be_visible()
    assert page.url.endswith(f"#appointment-{first.pk}")

    page.locator(f"#appointment-{first.pk} a", has_text="別の日時を提案").click()
    boxes = page.locator("input[name='picks']")
    expect(boxes.first).to_be_visible()
    boxes.nth(1).check()
    boxes.nth(2).check()
    page.get_by_role("button", name="提案を送信").click()
    expect(page.locator(".messages li.success")).to_be_visible()
    first.refresh_from_db()
    assert first.state == "cancelled" and len(first.proposed_times) == 2
    assert Appointment.objects.get(pk=second.pk).state == "requested"
