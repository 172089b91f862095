"""Japanese dates at the front desk (issue 16 point 9): text fields read 2026/12/10 and 14:30
(full-width too), show the day as 2026年12月10日(木) with a format hint and a calendar button;
error messages give dates in Japanese, never ISO; the Results filter shows the period applied."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from dealers.forms.dates import JapaneseDateField, JapaneseDateTimeField, JapaneseTimeField
from dealers.models import CalendarException
from dealers.parsing.dates import date_label, date_parse, datetime_label, range_label, time_parse
from dealers.selectors.calendar import BUSINESS_TZ
from tests.auth import login_staff
from tests.factories import CompanyAdminFactory, StoreFactory
from vehicles.forms.followups import BookForm


@pytest.mark.parametrize(
    "raw",
    ["2026/12/10", "2026-12-10", "2026年12月10日", "20261210", "２０２６／１２／１０", "2026/12/10(木)", " 2026/1２/10 "],
)
def test_dates_are_read_the_ways_people_type_them(raw):
    assert date_parse(raw) == dt.date(2026, 12, 10)


@pytest.mark.parametrize("raw", ["", "12/10/2026", "2026/02/30", "2026/13/01", "昨日", "2026/12", "x" * 10_000])
def test_what_is_not_a_date_is_none(raw):
    assert date_parse(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("14:30", dt.time(14, 30)), ("1430", dt.time(14, 30)), ("14時30分", dt.time(14, 30)), ("10時", dt.time(10)),
     ("10時半", dt.time(10, 30)), ("１４：３０", dt.time(14, 30)), ("9:05", dt.time(9, 5)), ("24:00", None),
     ("2:30 PM", None), ("", None)],
)
def test_times_are_on_the_24_hour_clock(raw, expected):
    assert time_parse(raw) == expected


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)))
def test_a_date_written_as_the_field_shows_it_reads_back(day):
    assert date_parse(day.strftime("%Y/%m/%d")) == day


@given(st.text(max_size=200))
def test_any_text_parses_or_is_none_never_raises(text):
    assert date_parse(text) is None or isinstance(date_parse(text), dt.date)
    assert time_parse(text) is None or isinstance(time_parse(text), dt.time)


def test_labels_in_japanese_and_english():
    at = dt.datetime(2026, 12, 10, 14, 30, tzinfo=BUSINESS_TZ)
    with translation.override("ja"):
        assert date_label(at.date()) == "2026年12月10日(木)"
        assert datetime_label(at) == "2026年12月10日(木) 14:30"
        assert range_label(dt.date(2026, 12, 29), dt.date(2027, 1, 3)) == "2026年12月29日(火)〜2027年1月3日(日)"
    with translation.override("en"):
        assert date_label(at.date()) == "Thu 10 Dec 2026"


def test_the_date_field_is_a_japanese_text_box_with_a_calendar_and_the_day_in_words():
    with translation.override("ja"):
        form = BookForm(initial={"day": dt.date(2026, 12, 10), "time": dt.time(14, 0)})
        html = str(form["day"]) + str(form["time"])
    box = re.search(r'<input type="text" name="day"[^>]*>', html).group(0)
    assert 'value="2026/12/10"' in box and 'placeholder="年/月/日"' in box and 'inputmode="numeric"' in box
    assert "2026年12月10日(木)" in html and "年/月/日で入力（例 2026/12/10）" in html
    assert 'data-calendar-for="id_day"' in html and 'type="date" class="calendar-picker" tabindex="-1" aria-hidden="true"' in html
    assert 'type="time"' not in html and 'name="time" value="14:00"' in html and "24時間表記" in html


def test_fields_accept_japanese_input_and_refuse_nonsense_in_japanese():
    with translation.override("ja"):
        assert JapaneseDateField().clean("２０２６年１２月１０日") == dt.date(2026, 12, 10)
        assert JapaneseTimeField().clean("14時") == dt.time(14)
        assert JapaneseDateTimeField().clean(["2026/12/10", "14:30"]) == dt.datetime(2026, 12, 10, 14, 30, tzinfo=BUSINESS_TZ)
        with pytest.raises(Exception, match="年/月/日"):
            JapaneseDateField().clean("12/10/2026")
        with pytest.raises(Exception, match="日付と時刻の両方"):
            JapaneseDateTimeField().clean(["2026/12/10", ""])


@pytest.mark.django_db
def test_error_messages_give_dates_in_japanese_never_iso():
    store = StoreFactory()
    CalendarException.objects.create(store=store, starts_on=dt.date(2026, 12, 29), ends_on=dt.date(2027, 1, 3))
    admin = CompanyAdminFactory(company=store.company)
    client = Client()
    login_staff(client, admin)
    response = client.post(f"/settings/stores/{store.pk}/exceptions/", {"starts_on": "2027/01/02", "ends_on": "2027/01/05"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "2026年12月29日(火)〜2027年1月3日(日)" in html
    assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r'(value|datetime|href)="[^"]*"', "", html))


@pytest.mark.django_db
def test_results_show_the_period_that_is_applied(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 7, 12, tzinfo=BUSINESS_TZ), tick=False)
    admin = CompanyAdminFactory()
    client = Client()
    login_staff(client, admin)
    html = client.get("/results/").content.decode()
    assert re.search(r'name="date_from" value="2026/11/07"', html) and re.search(r'name="date_to" value="2026/12/07"', html)
    assert "2026年11月7日(土)" in html and "2026年12月7日(月)" in html
    chosen = client.get("/results/", {"date_to": "2026/11/30"}).content.decode()
    assert 'name="date_from" value="2026/10/31"' in chosen and 'name="date_to" value="2026/11/30"' in chosen
