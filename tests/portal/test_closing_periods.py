"""Settings a dealer changes every year (issue 16 point 10): closing periods are edited in place,
last year's 年末年始 is copied in one action, the preview covers six weeks, closed days show on
the booking board's week strip, and a weekly closing rule never silently contradicts an "open"
tick."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dealers.models import AuditEntry, CalendarException, ClosingRule, StoreHours
from dealers.selectors.calendar import BUSINESS_TZ

pytestmark = pytest.mark.django_db

NOVEMBER_17 = dt.datetime(2026, 11, 17, 10, tzinfo=BUSINESS_TZ)  # a Tuesday


@pytest.fixture
def mid_november(time_machine):
    time_machine.move_to(NOVEMBER_17, tick=False)


def _new_year(store, year: int) -> CalendarException:
    return CalendarException.objects.create(store=store, starts_on=dt.date(year - 1, 12, 29), ends_on=dt.date(year, 1, 3),
                                            note="年末年始休業")


def test_a_closing_period_is_edited_in_place(cast, as_bob, mid_november):
    obon = CalendarException.objects.create(store=cast.store1, starts_on=dt.date(2027, 8, 12), ends_on=dt.date(2027, 8, 16),
                                            note="夏季休業")
    url = f"/settings/stores/{cast.store1.pk}/exceptions/{obon.pk}/edit/"
    page = as_bob.get(url).content.decode()
    assert 'value="2027/08/12"' in page and 'value="夏季休業"' in page
    saved = as_bob.post(url, {"starts_on": "2027/08/11", "ends_on": "2027/08/17", "note": "夏季休業（お盆）"})
    assert saved.status_code == 302
    obon.refresh_from_db()
    assert (obon.starts_on, obon.ends_on, obon.note) == (dt.date(2027, 8, 11), dt.date(2027, 8, 17), "夏季休業（お盆）")
    entry = AuditEntry.objects.get(action="store.calendar_exception_change")
    assert entry.data["before"]["starts_on"] == "2027-08-12" and entry.actor == cast.bob
    settings_page = as_bob.get(f"/settings/stores/{cast.store1.pk}/").content.decode()
    assert f'href="{url}"' in settings_page  # every planned period has its edit link


def test_an_edit_that_overlaps_is_refused_with_japanese_dates(cast, as_bob, mid_november):
    _new_year(cast.store1, 2027)
    gw = CalendarException.objects.create(store=cast.store1, starts_on=dt.date(2027, 5, 1), ends_on=dt.date(2027, 5, 5))
    response = as_bob.post(f"/settings/stores/{cast.store1.pk}/exceptions/{gw.pk}/edit/",
                           {"starts_on": "2027/01/02", "ends_on": "2027/01/05"})
    assert response.status_code == 400
    assert "2026年12月29日(火)〜2027年1月3日(日)" in response.content.decode()
    gw.refresh_from_db()
    assert gw.starts_on == dt.date(2027, 5, 1)


def test_other_stores_periods_cannot_be_edited_or_copied(cast, as_bob, mid_november):
    other = _new_year(cast.store2, 2026)
    assert as_bob.get(f"/settings/stores/{cast.store2.pk}/exceptions/{other.pk}/edit/").status_code == 404
    assert as_bob.post(f"/settings/stores/{cast.store1.pk}/exceptions/{other.pk}/copy/").status_code == 404


def test_last_years_new_year_closure_is_copied_in_one_action(cast, as_bob, mid_november):
    last = _new_year(cast.store1, 2026)  # 2025-12-29 – 2026-01-03
    page = as_bob.get(f"/settings/stores/{cast.store1.pk}/").content.decode()
    assert "昨年の休業期間" in page and "2025年12月29日(月)" in page
    response = as_bob.post(f"/settings/stores/{cast.store1.pk}/exceptions/{last.pk}/copy/", follow=True)
    copy = CalendarException.objects.exclude(pk=last.pk).get(store=cast.store1)
    assert (copy.starts_on, copy.ends_on, copy.note, copy.is_open) == (dt.date(2026, 12, 29), dt.date(2027, 1, 3), "年末年始休業", False)
    html = response.content.decode()
    assert "2026年12月29日(火)〜2027年1月3日(日) にコピーしました。" in html
    assert f"/exceptions/{last.pk}/copy/" not in html  # done: nothing left to copy
    assert as_bob.post(f"/settings/stores/{cast.store1.pk}/exceptions/{last.pk}/copy/").status_code == 302
    assert CalendarException.objects.filter(store=cast.store1).count() == 2  # a second click adds nothing


def test_the_preview_covers_six_weeks(cast, as_bob, mid_november):
    _new_year(cast.store1, 2027)
    response = as_bob.get(f"/settings/stores/{cast.store1.pk}/")
    preview = response.context["preview"]
    assert len(preview) == 42 and preview[-1].day == dt.date(2026, 12, 28)
    assert "今後6週間" in response.content.decode()


def test_the_year_end_closure_is_in_the_preview_from_mid_november(cast, as_bob, time_machine):
    time_machine.move_to(NOVEMBER_17 + dt.timedelta(days=1), tick=False)
    _new_year(cast.store1, 2027)
    preview = as_bob.get(f"/settings/stores/{cast.store1.pk}/").context["preview"]
    last = preview[-1]
    assert last.day == dt.date(2026, 12, 29) and not last.is_open and last.reason == "年末年始休業"


def test_closed_days_are_marked_on_the_booking_boards_week_strip(cast, as_bob, mid_november):
    ClosingRule.objects.create(store=cast.store1, weekday=2, week_of_month="3")  # the 3rd Wednesday: 18 November
    html = as_bob.get("/appointments/", {"store": cast.store1.pk, "day": "2026-11-17"}).content.decode()
    strip = re.search(r'<ol class="week">.*?</ol>', html, re.S).group(0)
    days = re.findall(r"<li([^>]*)>(.*?)</li>", strip, re.S)
    closed = [body for attrs, body in days if 'class="closed"' in attrs]
    assert len(days) == 7 and len(closed) == 2  # Monday (no hours) and the 3rd Wednesday
    assert all("休業" in body for body in closed)
    assert any("11月16日(月)" in body for body in closed) and any("11月18日(水)" in body for body in closed)


def test_a_monday_rule_and_a_monday_open_tick_cannot_contradict_silently(cast, as_bob, mid_november):
    ClosingRule.objects.create(store=cast.store1, weekday=0)  # every Monday
    hours = {f"open_{d}": "on" for d in range(7)} | {f"opens_{d}": "10:00" for d in range(7)} | {f"closes_{d}": "18:00" for d in range(7)}
    saved = as_bob.post(f"/settings/stores/{cast.store1.pk}/hours/", hours, follow=True)
    assert StoreHours.objects.filter(store=cast.store1, weekday=0).exists()
    warnings = [str(m) for m in saved.context["messages"] if m.level_tag == "warning"]
    assert warnings and "月曜日" in warnings[0] and "定休日ルール" in warnings[0]
    page = saved.content.decode()
    assert 'id="hours-contradiction"' in page
    row = re.search(r'<th scope="row">月曜日.*?</th>', page, re.S).group(0)
    assert "定休日ルールで休業" in row
    ClosingRule.objects.filter(store=cast.store1).delete()
    assert 'id="hours-contradiction"' not in as_bob.get(f"/settings/stores/{cast.store1.pk}/").content.decode()


def test_adding_a_rule_that_contradicts_the_hours_warns_too(cast, as_bob, mid_november):
    StoreHours.objects.create(store=cast.store1, weekday=0, opens_at=dt.time(10), closes_at=dt.time(18))
    response = as_bob.post(f"/settings/stores/{cast.store1.pk}/rules/", {"weekday": "0", "week_of_month": "every"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success", "warning"]
