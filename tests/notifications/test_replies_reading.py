"""Issue 17 point 3 in the reply flow: an unsure reading becomes a question (never a booking) that
says what was understood; 「はい」 books it, a correction books the new time; staff see the reading
beside the owner's text; a range is one preference and the booking takes its first free slot.

Today is Tuesday 2026-03-03, 11:00 (the factory store is open 10:00–18:00 Tuesday to Sunday,
hourly slots, two bays)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from notifications.models import Inquiry, Notice
from notifications.parsing.mail import InboundMail
from notifications.services.render import notice_render
from notifications.services.replies import reply_receive_mail
from tests.auth import login_staff
from tests.factories import StoreFactory, StoreStaffFactory
from tests.notifications.replies_helpers import (
    TUESDAY,
    WEDNESDAY,
    at,
    jst,
    owner_car,
    owner_notices,
    process,
    receive,
    reminder,
)
from vehicles.models import Appointment
from vehicles.parsing.preferences import Preference
from vehicles.selectors.capacity import fits

pytestmark = pytest.mark.django_db
THE_10TH = dt.date(2026, 3, 10)  # a Tuesday


@pytest.fixture
def store():
    return StoreFactory(service_bays=2, slot_minutes=60)


@pytest.fixture
def car(store):
    return owner_car(store)


@pytest.fixture
def notice(car):
    return reminder(car)


@pytest.fixture(autouse=True)
def open_now(time_machine):
    time_machine.move_to(jst(TUESDAY, 11), tick=False)


def _mail(notice: Notice, text: str, n: int = 1) -> InboundMail:
    reply = reply_receive_mail(
        token=notice.reply_token,
        mail=InboundMail(message_id=f"<r{n}@example.jp>", from_address="owner@example.jp", subject="Re", text=text),
    )
    assert reply is not None
    return reply


def test_an_unsure_reading_is_asked_about_not_booked(car, notice):
    reply = _mail(notice, "3月10日(水)の午前でお願いします")  # the 10th is a Tuesday: which did they mean?
    assert reply.preferred == [] and reply.reading[0]["sure"] is False and reply.reading[0]["doubt"] == "weekday"
    reply = process(reply)
    assert reply.outcome == "confirm" and reply.appointment is None and not Appointment.objects.exists()
    assert reply.inquiry.kind == "propose_time" and reply.inquiry.status == "open"
    [asked] = owner_notices(car)
    assert asked.stage == "confirm" and asked.context["readings"] == reply.reading
    rendered = notice_render(asked)
    assert "3月10日(火) 午前でよろしいですか" in rendered.text and "「はい」" in rendered.text
    assert rendered.subject == "ご希望の日時のご確認"


def test_yes_to_the_question_books_what_was_asked_and_settles_the_inquiry(car, notice):
    first = process(_mail(notice, "3月10日(水)の午前でお願いします"))
    [asked] = owner_notices(car)
    yes = process(_mail(asked, "はい、お願いします", n=2))
    assert yes.outcome == "requested" and yes.preferred == [{"date": "2026-03-10", "time": None, "part": "morning"}]
    assert yes.appointment.starts_at == jst(THE_10TH, 10)
    assert Inquiry.objects.get(pk=first.inquiry_id).status == "closed"


def test_an_hour_that_could_be_morning_or_evening_is_asked(car, notice):
    process(_mail(notice, "明日8時でお願いします"))
    [asked] = owner_notices(car)
    assert "3月4日(水) 08:00でよろしいですか" in notice_render(asked).text


def test_a_correction_to_the_question_books_the_new_time(car, notice):
    process(_mail(notice, "明日8時でお願いします"))
    [asked] = owner_notices(car)
    corrected = process(_mail(asked, "いいえ、3月11日の14時でお願いします", n=2))
    assert corrected.outcome == "requested" and corrected.appointment.starts_at == jst(dt.date(2026, 3, 11), 14)


def test_sure_readings_still_book_at_once(car, notice):
    reply = process(_mail(notice, "明日の10時でお願いします"))
    assert reply.outcome == "requested" and reply.appointment.starts_at == jst(WEDNESDAY, 10)
    assert reply.reading == [{"start": {"date": "2026-03-04", "time": "10:00", "part": None}, "end": None,
                              "sure": True, "doubt": None}]


def test_a_range_is_one_preference_booked_at_its_first_free_slot(store, car, notice):
    from vehicles.models import WorkCode, WorkType
    from vehicles.services.capacity import work_type_for

    work_type_for(store.company, WorkCode.SHAKEN)
    WorkType.objects.filter(company=store.company, code=WorkCode.SHAKEN).update(minutes=60)  # one slot each
    for other in (owner_car(store, email="a@example.jp"), owner_car(store, email="b@example.jp")):
        process(receive(reminder(other), preferred=[at(WEDNESDAY, 10)]))  # 10:00 is full
    reply = process(_mail(notice, "明日の10時〜12時の間でお願いします"))
    assert reply.preferred == [{"date": "2026-03-04", "time": "10:00", "part": None, "end_time": "12:00"}]
    assert reply.outcome == "requested" and reply.appointment.starts_at == jst(WEDNESDAY, 11)


def test_a_range_of_days_books_the_first_open_day(car, notice):
    reply = process(_mail(notice, "3/9〜3/12の午後"))  # Monday the 9th is closed
    assert reply.preferred == [{"date": "2026-03-09", "time": None, "part": "afternoon", "end_date": "2026-03-12"}]
    assert reply.appointment.starts_at == jst(THE_10TH, 12)


def test_a_period_is_asked_about_with_free_times_in_it(car, notice):
    reply = process(_mail(notice, "来週あたりでお願いします"))
    assert reply.outcome == "confirm" and reply.reading[0]["doubt"] == "vague"
    [asked] = owner_notices(car)
    assert asked.context["alternatives"][0] == jst(THE_10TH, 10).isoformat()  # Monday the 9th is closed
    assert "3月9日(月)〜3月15日(日)でよろしいですか" in notice_render(asked).text


def test_staff_see_the_reading_beside_the_text(client, store, car, notice):
    reply = process(_mail(notice, "明日8時でお願いします"))
    login_staff(client, StoreStaffFactory(store=store))
    page = client.get(reverse("notifications:inquiry", args=[reply.inquiry_id])).content.decode()
    assert "明日8時でお願いします" in page and "読み取った日時" in page
    assert "3月4日(水) 08:00 (要確認)" in page and "お客様に確認中" in page
    today = client.get("/today/").content.decode()
    assert "明日8時でお願いします" in today and "3月4日(水) 08:00 (要確認)" in today


def test_preference_ranges_fit_their_slots():
    window = Preference(WEDNESDAY, time=dt.time(10), end_time=dt.time(12))
    days = Preference(WEDNESDAY, end_date=THE_10TH)
    assert fits(window, jst(WEDNESDAY, 11), 60) and not fits(window, jst(WEDNESDAY, 12), 60)
    assert fits(days, jst(THE_10TH, 17), 60) and not fits(days, jst(dt.date(2026, 3, 11), 10), 60)
    assert Preference.from_json(window.as_json()) == window and Preference.from_json(days.as_json()) == days
    assert at(WEDNESDAY, 10).as_json() == {"date": "2026-03-04", "time": "10:00", "part": None}
    with pytest.raises(ValueError):
        Preference(WEDNESDAY, end_date=TUESDAY)
