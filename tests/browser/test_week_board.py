"""Issue 14 §2 in Chromium (ja-JP): on the week board staff confirm a booking, move one (the
owner is told) and book a phone caller from an empty slot; desktop and a 768-wide tablet.
Everything is reached by keyboard-focusable links and buttons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealers.selectors.calendar import BUSINESS_TZ
from notifications.models import Notice
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


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), BUSINESS_TZ)


@pytest.mark.parametrize("screen", [DESKTOP, UPRIGHT], ids=["desktop", "tablet"])
def test_confirm_move_and_phone_booking_on_the_week_board(page, live_server, screen):
    store = StoreFactory(name="品川店")
    staff = StoreStaffFactory(store=store)
    tuesday = _tuesday()
    asked = appointment(plated_vehicle(store=store, customer=CustomerFactory(company=store.company, name="山田 太郎")),
                        starts_at=_at(tuesday, 10), state="requested", hold=True)
    caller = plated_vehicle(store=store, customer=CustomerFactory(company=store.company, name="佐藤 花子"),
                            plate=("品川", "500", "あ", 4321))
    page.set_viewport_size(screen)
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/appointments/week/?store={store.pk}&week={tuesday.isoformat()}")
    expect(page.locator("h1")).to_contain_text("週間ボード")
    booking = page.locator(f"#booking-{asked.pk}")
    expect(booking).to_contain_text("確定待ち")

    booking.get_by_role("button", name="確認", exact=True).click()
    expect(page.locator(".messages li.success")).to_be_visible()
    expect(page.locator(f"#booking-{asked.pk}")).to_contain_text("確定")
    assert Appointment.objects.get(pk=asked.pk).state == "confirmed"

    page.locator(f"#booking-{asked.pk}").get_by_role("link", name="移動").click()
    expect(page.locator("h1")).to_contain_text("予約を移動")
    page.locator("input[name='picks']").nth(1).check()
    page.get_by_role("button", name="移動").click()
    expect(page.locator(".messages li.success")).to_contain_text("お客様にお知らせしました")
    moved = Appointment.objects.get(pk=asked.pk)
    assert moved.starts_at != _at(tuesday, 10) and moved.state == "confirmed"
    assert Notice.objects.filter(vehicle_id=moved.vehicle_id, stage="moved").exists()

    page.goto(f"{live_server.url}/appointments/week/?store={store.pk}&week={tuesday.isoformat()}")
    page.get_by_role("link", name=f"電話予約：{tuesday.year}年{tuesday.month}月{tuesday.day}日", exact=False).first.focus()
    page.keyboard.press("Enter")  # keyboard-usable
    expect(page.locator("h1")).to_contain_text("電話予約")
    page.get_by_label("お車を検索").fill("品川500あ4321")
    page.get_by_role("button", name="検索").click()
    expect(page.locator("input[name='vehicle']")).to_be_checked()
    page.get_by_label("作業").select_option(label="エンジンオイル交換")
    page.get_by_role("button", name="予約して確定").click()
    expect(page.locator(".messages li.success")).to_contain_text("予約を確定")
    booked = Appointment.objects.get(vehicle=caller)
    assert booked.state == "confirmed" and booked.work_type.code == "oil"
    assert Notice.objects.filter(vehicle=caller, stage="confirmed").exists()
