"""Front-desk queues in Chromium: confirm a requested appointment, answer an inquiry, log a
follow-up call — each reached from the Today page, as staff do at the start of the day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealers.selectors.calendar import BUSINESS_TZ
from notifications.models import InquiryStatus
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, StoreFactory, StoreStaffFactory
from tests.portal.builders import appointment, followup, inquiry
from tests.portal.conftest import plated_vehicle
from vehicles.models import AppointmentState, FollowUpCall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk():
    store = StoreFactory(name="品川店")
    staff = StoreStaffFactory(store=store, name="受付 ボブ")
    owner = CustomerFactory(company=store.company, name="山田 太郎", phone="090-1234-5678")
    car = plated_vehicle(store=store, customer=owner, plate=("品川", "330", "さ", 1234))
    return store, staff, car


def test_confirm_a_requested_appointment(page, live_server, desk, eager_celery):
    _store, staff, car = desk
    day = timezone.localdate() + dt.timedelta(days=8)
    day += dt.timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday: the store is open 10–18
    visit = appointment(car, starts_at=dt.datetime.combine(day, dt.time(10), BUSINESS_TZ), state="requested")
    log_in(page, live_server, staff)
    page.locator("section[aria-labelledby=h-appointments] a.day-link").first.click()
    row = page.locator(".appt").filter(has_text="品川 330 さ 1234")
    expect(row.locator(".badge-requested")).to_be_visible()
    row.locator(f"form[action='/appointments/{visit.pk}/confirm/'] button").click()
    expect(page.locator(".messages li.success")).to_be_visible()
    expect(page.locator(".appt .badge-confirmed")).to_be_visible()
    visit.refresh_from_db()
    assert visit.state == AppointmentState.CONFIRMED


def test_answer_an_inquiry(page, live_server, desk, eager_celery):
    _store, staff, car = desk
    question = inquiry(car, question="代車はありますか？")
    log_in(page, live_server, staff)
    page.locator("nav a[href='/inquiries/']").click()
    page.locator(f"a[href='/inquiries/{question.pk}/']").click()
    expect(page.locator("dd.question")).to_have_text("代車はありますか？")
    page.locator("#id_answer").fill("はい、ご用意できます。ご来店をお待ちしております。")
    page.locator("main form.stacked button[type=submit]").click()
    expect(page.locator(".messages li.success")).to_be_visible()
    question.refresh_from_db()
    assert question.status == InquiryStatus.ANSWERED and question.answered_by_id == staff.pk


def test_log_a_follow_up_call(page, live_server, desk):
    _store, staff, car = desk
    item = followup(car, code="lamp:charging", severity="stop_now")
    log_in(page, live_server, staff)
    page.locator(f"section[aria-labelledby=h-followups] a[href$='/followups/{item.pk}/']").click()
    form = page.locator("form[action$='/call/']")
    form.locator("[name=outcome]").select_option("reached")
    form.locator("[name=advice]").fill("安全な場所に停車し、ロードサービスを手配しました。")
    form.locator("[name=next_action]").select_option("roadside")
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages li.success")).to_be_visible()
    call = FollowUpCall.objects.get(followup=item)
    assert (call.outcome, call.next_action, call.actor_id) == ("reached", "roadside", staff.pk)
