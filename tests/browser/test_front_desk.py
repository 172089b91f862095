"""What a front-desk employee tripped over (issue 16), in Chromium (ja-JP, Asia/Tokyo) on the
desktop (1366×768) and on a tablet (1024×768 and 768×1024): each flow as staff do it.

Found by ids, names and links; the Japanese words asserted are the point of the test."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dealers.models import CalendarException, ClosingRule, StoreHours
from dealers.selectors.calendar import BUSINESS_TZ
from tests.browser.conftest import log_in
from tests.factories import CustomerFactory, StoreFactory, StoreStaffFactory
from tests.portal.builders import appointment, followup
from tests.portal.conftest import plated_vehicle
from tests.portal.visible_text import leaks
from vehicles.models import FollowUp, FollowUpCall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 1024, "height": 768}
UPRIGHT = {"width": 768, "height": 1024}


@pytest.fixture
def desk():
    store = StoreFactory(name="品川店")
    staff = StoreStaffFactory(store=store, name="受付 ボブ")
    owner = CustomerFactory(company=store.company, name="山田 太郎", phone="090-1234-5678")
    car = plated_vehicle(store=store, customer=owner, plate=("品川", "330", "さ", 1234))
    return store, staff, car


def _next(weekday: int, weeks: int = 1) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


@pytest.mark.parametrize("screen", [DESKTOP, UPRIGHT], ids=["desktop", "tablet"])
def test_staff_opening_the_admin_get_a_403_page_not_a_redirect_loop(page, live_server, desk, screen):
    _store, staff, _car = desk
    page.set_viewport_size(screen)
    log_in(page, live_server, staff)
    response = page.goto(f"{live_server.url}/admin/")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_contain_text("プラットフォーム管理者")
    page.locator("main a.button[href='/today/']").click()
    expect(page).to_have_url(f"{live_server.url}/today/")


@pytest.mark.parametrize("screen", [DESKTOP, UPRIGHT], ids=["desktop", "tablet"])
def test_a_no_show_is_offered_only_once_the_visit_time_has_come(page, live_server, desk, screen):
    store, staff, car = desk
    tuesday = _next(1)
    future = appointment(car, starts_at=dt.datetime.combine(tuesday, dt.time(10), BUSINESS_TZ), state="confirmed", hold=True)
    page.set_viewport_size(screen)
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/appointments/?store={store.pk}&day={tuesday.isoformat()}")
    row = page.locator(".appt").filter(has_text="品川 330 さ 1234")
    expect(row.locator(f"form[action='/appointments/{future.pk}/arrived/'] button")).to_be_visible()
    expect(row.locator(f"form[action='/appointments/{future.pk}/no-show/']")).to_have_count(0)
    expect(row).not_to_contain_text("無断キャンセル")

    earlier = appointment(car, starts_at=timezone.now() - dt.timedelta(minutes=30), state="confirmed")
    page.goto(f"{live_server.url}/appointments/?store={store.pk}&day={timezone.localdate().isoformat()}")
    button = page.locator(f"form[action='/appointments/{earlier.pk}/no-show/'] button")
    expect(button).to_have_text("無断キャンセル")
    button.click()
    expect(page.locator(".messages li.success")).to_be_visible()


@pytest.mark.parametrize("screen", [DESKTOP, TABLET, UPRIGHT], ids=["desktop", "tablet", "upright"])
def test_call_book_in_japanese_dates_and_the_followup_moves_with_the_work(page, live_server, desk, screen):
    _store, staff, car = desk
    item = followup(car, code="lamp:charging", severity="stop_now")
    day = _next(2)  # a Wednesday ahead: open 10–18
    page.set_viewport_size(screen)
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/vehicles/followups/{item.pk}/")
    call_form = page.locator("form[action$='/call/']")
    box = call_form.bounding_box()
    assert box is not None and box["y"] < screen["height"], "the call-log form is below the first screen"
    expect(page.locator("#call-actions a[href='tel:090-1234-5678']")).to_be_visible()

    call_form.locator("[name=outcome]").select_option("reached")
    call_form.locator("[name=advice]").fill("充電警告灯のため、明日の入庫をご案内しました。")
    call_form.locator("[name=next_action]").select_option("visit")
    call_form.locator("button[type=submit]").click()
    expect(page.locator(".messages li.success")).to_be_visible()

    # The date as a Japanese keyboard types it (full-width), shown back in words; 24-hour time.
    typed = f"{day.year}／{day.month:02d}／{day.day:02d}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    page.locator("#id_day").fill(typed)
    weekday = "月火水木金土日"[day.weekday()]
    expect(page.locator("output[data-date-shown-for='id_day']")).to_have_text(f"{day.year}年{day.month}月{day.day}日({weekday})")
    page.locator("#id_time").fill("14:00")
    page.locator("form[action$='/book/'] button[type=submit]").click()
    expect(page.locator(".messages li.success")).to_contain_text("フォローアップを完了")

    item.refresh_from_db()
    assert item.status == "closed" and item.appointment is not None
    assert FollowUpCall.objects.get(followup=item).next_action == "visit"
    page.goto(f"{live_server.url}/vehicles/{car.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("電話連絡：オーナーと連絡が取れた")
    expect(timeline).to_contain_text("フォローアップ完了")
    page.goto(f"{live_server.url}/vehicles/followups/")
    expect(page.locator(f"a[href='/vehicles/followups/{item.pk}/']")).to_have_count(0)


@pytest.mark.parametrize("screen", [DESKTOP, UPRIGHT], ids=["desktop", "tablet"])
def test_date_fields_are_japanese_with_a_calendar_and_results_show_the_period(page, live_server, desk, screen):
    _store, staff, _car = desk
    page.set_viewport_size(screen)
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/results/")
    today = timezone.localdate()
    start = today - dt.timedelta(days=30)
    expect(page.locator("#id_date_to")).to_have_value(today.strftime("%Y/%m/%d"))
    expect(page.locator("#id_date_from")).to_have_value(start.strftime("%Y/%m/%d"))
    expect(page.locator("output[data-date-shown-for='id_date_from']")).to_contain_text(f"{start.year}年{start.month}月{start.day}日")
    # The calendar button opens the browser's picker; what is picked comes back as yyyy/mm/dd.
    expect(page.locator("button[data-calendar-for='id_date_from']")).to_be_visible()
    page.evaluate("""() => { const p = document.querySelector("[data-picker-for='id_date_from']");
                           p.value = '2026-12-10'; p.dispatchEvent(new Event('change', {bubbles: true})); }""")
    expect(page.locator("#id_date_from")).to_have_value("2026/12/10")
    expect(page.locator("output[data-date-shown-for='id_date_from']")).to_have_text("2026年12月10日(木)")
    for kind in ("date", "time", "datetime-local", "month"):
        assert page.locator(f"input[type={kind}]:not(.calendar-picker)").count() == 0, kind


@pytest.mark.parametrize("screen", [DESKTOP, UPRIGHT], ids=["desktop", "tablet"])
def test_closing_periods_are_copied_and_edited_and_closed_days_show_on_the_board(page, live_server, desk, screen):
    store, staff, _car = desk
    today = timezone.localdate()
    last = CalendarException.objects.create(store=store, starts_on=dt.date(today.year - 1, 12, 29),
                                            ends_on=dt.date(today.year, 1, 3), note="年末年始休業")
    ClosingRule.objects.create(store=store, weekday=0)  # every Monday …
    StoreHours.objects.create(store=store, weekday=0, opens_at=dt.time(10), closes_at=dt.time(18))  # … ticked open
    page.set_viewport_size(screen)
    log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/settings/stores/{store.pk}/")
    expect(page.locator("#hours-contradiction")).to_contain_text("月曜日")
    expect(page.locator("h2#h-preview")).to_have_text("今後6週間")
    assert page.locator("ol.days li").count() == 42

    page.locator(f"form[action$='/exceptions/{last.pk}/copy/'] button").click()
    expect(page.locator(".messages li.success")).to_contain_text(f"{today.year}年12月29日")
    copy = CalendarException.objects.exclude(pk=last.pk).get(store=store)
    page.locator(f"a[href$='/exceptions/{copy.pk}/edit/']").click()
    page.locator("#id_ends_on").fill(f"{today.year + 1}/01/05")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".messages li.success")).to_be_visible()
    copy.refresh_from_db()
    assert copy.ends_on == dt.date(today.year + 1, 1, 5)

    page.goto(f"{live_server.url}/appointments/?store={store.pk}")
    closed = page.locator("ol.week li.closed")
    expect(closed.first).to_contain_text("休業")
    assert closed.count() >= 1


@pytest.mark.parametrize("screen", [DESKTOP, UPRIGHT], ids=["desktop", "tablet"])
def test_today_and_the_followups_read_in_japanese_and_the_favicon_is_there(page, live_server, desk, screen):
    _store, staff, car = desk
    followup(car, code="lamp:mil", severity="see_dealer_soon")
    page.set_viewport_size(screen)
    log_in(page, live_server, staff)
    for path in ("/today/", "/vehicles/followups/"):
        page.goto(live_server.url + path)
        expect(page.locator("main")).to_contain_text("エンジン警告灯")
        assert leaks(page.content()) == [], path
        assert not re.search(r"lamp:|_now|_soon", page.locator("main").inner_text())
    assert page.request.get(f"{live_server.url}/favicon.ico").status == 200
    assert FollowUp.objects.count() == 1
