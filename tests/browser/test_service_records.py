"""Service records in Chromium: record a walk-in shaken and see the next expiry and the cancelled
notices; complete an appointment with its work (ticked from what it was booked for)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Delivery, DeliveryStatus
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, StoreFactory, StoreStaffFactory
from tests.portal.builders import appointment, notice
from tests.portal.conftest import plated_vehicle
from vehicles.models import AppointmentState, ServiceRecord
from vehicles.parsing.shaken import next_expiry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def front_desk():
    store = StoreFactory(name="品川店")
    staff = StoreStaffFactory(store=store, name="受付 ボブ")
    owner = CustomerFactory(company=store.company, name="山田 太郎")
    expiry = timezone.localdate() + dt.timedelta(days=45)
    car = plated_vehicle(store=store, customer=owner, shaken_expiry=expiry, first_registration_year=2015)
    return store, staff, car


def jp(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_record_a_walk_in_shaken_and_see_the_next_expiry_and_the_cancelled_notices(page, live_server, front_desk):
    store, staff, car = front_desk
    old = car.shaken_expiry
    pending = notice(car, stage="m3", deliveries={"app": DeliveryStatus.DELIVERED, "email": DeliveryStatus.QUEUED})
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/vehicles/{car.pk}/")
    page.locator(f"#service-history a[href='/vehicles/{car.pk}/service-records/new/']").click()
    expect(page.locator("#id_store")).to_have_value(str(store.pk))
    page.locator("input[name=items][value=shaken]").check()
    page.locator("input[name=items][value=engine_oil]").check()
    page.locator("#id_odometer_km").fill("31000")
    page.locator("main form button[type=submit]").click()

    new = next_expiry(current_expiry=old, inspected_on=timezone.localdate(), years=2)
    success = page.locator(".messages li.success")
    expect(success).to_contain_text(jp(old))
    expect(success).to_contain_text(jp(new))
    expect(success).to_contain_text("1 件")  # the pending e-mail of the old expiry's notice
    history = page.locator("#service-history tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("31000 km")
    expect(page.locator("section[aria-labelledby=h-facts]")).to_contain_text(jp(new))
    # The timeline (htmx) shows the old expiry's notice: its e-mail cancelled, the app copy delivered.
    expect(page.locator("#timeline .channels .badge-cancelled")).to_have_count(1)
    assert Delivery.objects.get(notice=pending, channel="email").status == DeliveryStatus.CANCELLED


def test_complete_an_appointment_with_its_work(page, live_server, front_desk):
    store, staff, car = front_desk
    visit = appointment(car, starts_at=timezone.now() - dt.timedelta(minutes=30), state="arrived", due_kind="shaken",
                        due_event_date=car.shaken_expiry)
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/appointments/?store={store.pk}&day={timezone.localdate().isoformat()}")
    page.locator(f"#appointment-{visit.pk} a[href='/appointments/{visit.pk}/completed/']").click()
    expect(page.locator("input[name=items][value=shaken]")).to_be_checked()  # what it was booked for
    page.locator("input[name=items][value=brake_fluid]").check()
    page.locator("#id_odometer_km").fill("45000")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages li.success")).to_be_visible()
    visit.refresh_from_db()
    record = ServiceRecord.objects.get(vehicle=car)
    assert visit.state == AppointmentState.COMPLETED and record.appointment_id == visit.pk
    assert sorted(record.items.values_list("item", flat=True)) == ["brake_fluid", "shaken"]
    expect(page.locator(f"#appointment-{visit.pk} .badge-completed")).to_be_visible()
