"""Processing replies into appointments, inquiries and notices to the owner (service level;
the worker and the transports have their own tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from dealers.models import AuditEntry
from notifications.models import Delivery, DeliveryStatus, Inquiry, Notice, NoticeStatus, Reply
from notifications.services.appointment_notices import (
    appointment_cancel_notify,
    appointment_confirm_notify,
    appointment_propose_notify,
    notice_attachments,
)
from notifications.services.inquiries import inquiry_answer, inquiry_due_at
from notifications.services.outbox import deliveries_send_due
from notifications.services.render import notice_render
from notifications.services.replies import reply_mark_failed
from tests.auth import login_staff
from tests.factories import StoreFactory, StoreStaffFactory
from tests.notifications.replies_helpers import (
    EXPIRY,
    MONDAY,
    TUESDAY,
    WEDNESDAY,
    at,
    jst,
    owner_car,
    owner_notices,
    part,
    process,
    receive,
    reminder,
)
from vehicles.models import Appointment, AppointmentState, BayHold

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return StoreFactory(service_bays=2, slot_minutes=60)


@pytest.fixture
def car(store):
    return owner_car(store)


@pytest.fixture
def notice(car):
    return reminder(car)


@pytest.fixture
def open_now(time_machine):
    time_machine.move_to(jst(TUESDAY, 11), tick=False)


@pytest.fixture
def closed_now(time_machine):
    time_machine.move_to(jst(MONDAY, 9), tick=False)


def test_book_holds_a_slot_and_tells_the_owner(open_now, car, notice):
    reply = process(receive(notice, preferred=[at(WEDNESDAY, 10)], text="よろしくお願いします"))
    assert (reply.status, reply.outcome) == ("processed", "requested")
    appointment = reply.appointment
    assert appointment.state == AppointmentState.REQUESTED and appointment.starts_at == jst(WEDNESDAY, 10)
    assert (appointment.due_kind, appointment.due_event_date, appointment.notice_id) == ("shaken", EXPIRY, notice.pk)
    assert appointment.created_from_reply_id == reply.pk and appointment.bay_hold.bay == 0
    [told] = owner_notices(car)
    assert (told.kind, told.stage, told.category, told.status) == ("appointment", "requested", "transactional", "sent")
    assert told.context["due"] == {"kind": "shaken", "event_date": "2026-05-31"}
    # In the app and navi inboxes at once; the e-mail copy waits for the outbox.
    statuses = dict(Delivery.objects.filter(notice=told).values_list("channel", "status"))
    assert statuses == {"app": "delivered", "navi": "delivered", "email": "queued"}
    rendered = notice_render(told)
    assert "2026年3月4日(水) 10:00" in rendered.text and "店舗" not in rendered.subject
    assert {"reply.receive", "reply.process", "appointment.request"} <= set(AuditEntry.objects.values_list("action", flat=True))


def test_answers_to_the_owners_own_request_go_out_whatever_they_refused(open_now, car, notice):
    """Transactional: neither a reminder nor advertising, so no refusal holds it back."""
    from vehicles.services import consent_set

    for category in ("reminders", "marketing"):
        consent_set(customer=car.customer, category=category, granted=False, source="test")
    process(receive(notice, preferred=[at(WEDNESDAY, 10)]))
    [told] = owner_notices(car)
    assert told.category == "transactional"
    deliveries_send_due()
    assert Delivery.objects.get(notice=told, channel="email").status == DeliveryStatus.DELIVERED
    assert any(m.reply_to == [f"{told.reply_token}@reply.tconnect.example.jp"] for m in mail.outbox)


def test_free_text_dates_are_parsed_when_none_were_sent(open_now, car, notice):
    reply = process(receive(notice, channel="email", text="明日の午後2時でお願いします"))
    assert reply.appointment.starts_at == jst(WEDNESDAY, 14)
    assert reply.preferred == [{"date": "2026-03-04", "time": "14:00", "part": None}]


def test_processing_twice_makes_one_appointment(open_now, car, notice):
    reply = process(receive(notice, preferred=[at(WEDNESDAY, 10)]))
    again = process(reply)
    assert again.appointment_id == reply.appointment_id
    assert Appointment.objects.count() == 1 and BayHold.objects.count() == 1 and len(owner_notices(car)) == 1


def test_same_message_received_twice_is_stored_once(open_now, notice):
    first = receive(notice, preferred=[at(WEDNESDAY, 10)], message_id="email:tok:<a@b>")
    second = receive(notice, preferred=[at(WEDNESDAY, 11)], message_id="email:tok:<a@b>")
    assert first.pk == second.pk and Reply.objects.count() == 1


def test_full_slot_offers_alternatives_and_asks_the_store(open_now, store, car, notice):
    for other in (owner_car(store, email="a@example.jp"), owner_car(store, email="b@example.jp")):
        process(receive(reminder(other), preferred=[at(WEDNESDAY, 10)]))
    reply = process(receive(notice, preferred=[at(WEDNESDAY, 10)]))
    assert reply.outcome == "alternatives" and reply.appointment is None
    inquiry = reply.inquiry
    assert inquiry.kind == "propose_time" and inquiry.store == store and inquiry.status == "open"
    # A shaken takes three hours of a bay (issue 14): both bays are busy until 13:00, and no
    # alternative would run past closing (18:00), so the afternoon's first is 13:00 and the
    # evening has none.
    thursday = WEDNESDAY + dt.timedelta(days=1)
    expected = [jst(WEDNESDAY, 13).isoformat(), jst(thursday, 10).isoformat(), jst(thursday, 12).isoformat()]
    assert inquiry.alternatives == expected
    [told] = owner_notices(car)
    assert told.stage == "alternatives" and told.context["alternatives"] == expected
    assert "2026年3月4日(水) 13:00" in notice_render(told).text


def test_reply_without_a_date_asks_the_store_to_propose(open_now, car, notice):
    reply = process(receive(notice, channel="email", text="車検をお願いしたいです"))
    assert reply.outcome == "needs_time" and reply.inquiry.kind == "propose_time"
    assert owner_notices(car)[0].stage == "needs_time"


def test_question_becomes_an_inquiry_due_by_the_close_of_the_day(open_now, car, notice):
    reply = process(receive(notice, intent="ask", text="代車はありますか？"))
    inquiry = reply.inquiry
    assert (inquiry.kind, inquiry.question, inquiry.vehicle, inquiry.notice) == ("question", "代車はありますか？", car, notice)
    assert inquiry.due_at == jst(TUESDAY, 18)
    assert owner_notices(car) == []  # the store is open: the answer itself comes soon


def test_question_while_closed_is_acknowledged_with_when_the_store_answers(closed_now, car, notice):
    reply = process(receive(notice, intent="ask", text="代車はありますか？"))
    assert reply.inquiry.due_at == jst(TUESDAY, 18)
    [ack] = owner_notices(car)
    assert (ack.kind, ack.stage) == ("inquiry_answer", "received")
    assert ack.context["store_closed"] is True and ack.context["answer_from"] == jst(TUESDAY, 10).isoformat()
    assert "2026年3月3日(火) 10:00" in notice_render(ack).text


def test_booking_while_closed_says_when_the_store_will_confirm(closed_now, car, notice):
    reply = process(receive(notice, preferred=[part(WEDNESDAY, "morning")]))
    [told] = owner_notices(car)
    assert reply.outcome == "requested" and told.context["store_closed"] is True
    assert "2026年3月3日(火) 10:00" in notice_render(told).text


def test_second_booking_for_the_same_due_event_changes_the_first(open_now, car, notice):
    first = process(receive(notice, preferred=[at(WEDNESDAY, 10)])).appointment
    reply = process(receive(notice, preferred=[at(WEDNESDAY, 15)]))
    assert reply.outcome == "changed" and reply.appointment.starts_at == jst(WEDNESDAY, 15)
    first.refresh_from_db()
    assert first.state == AppointmentState.CANCELLED
    assert list(BayHold.objects.values_list("appointment_id", flat=True)) == [reply.appointment_id]


def test_change_without_a_date_keeps_the_appointment_and_asks_the_store(open_now, car, notice):
    first = process(receive(notice, preferred=[at(WEDNESDAY, 10)])).appointment
    reply = process(receive(notice, intent="change", text="日程を変えたいです"))
    first.refresh_from_db()
    assert reply.outcome == "needs_time" and first.state == AppointmentState.REQUESTED


def test_cancel_by_reply_frees_the_slot_and_a_confirmed_one_gets_a_calendar_cancel(open_now, car, notice):
    appointment = process(receive(notice, preferred=[at(WEDNESDAY, 10)])).appointment
    appointment_confirm_notify(appointment=appointment, actor=None)
    confirmed = Notice.objects.get(vehicle=car, stage="confirmed")
    reply = process(receive(confirmed, intent="cancel", text="キャンセルします"))
    appointment.refresh_from_db()
    assert reply.outcome == "cancelled" and appointment.state == AppointmentState.CANCELLED
    assert appointment.cancel_reason == "owner_reply" and not BayHold.objects.exists()
    cancelled = Notice.objects.get(vehicle=car, stage="cancelled")
    [(_name, content, mimetype)] = notice_attachments(cancelled)
    assert "METHOD:CANCEL" in content and "STATUS:CANCELLED" in content and "method=CANCEL" in mimetype


def test_cancel_without_an_appointment_is_an_inquiry(open_now, notice):
    reply = process(receive(notice, intent="cancel", text="キャンセルで"))
    assert reply.outcome == "inquiry" and reply.inquiry.kind == "question"


def test_reply_to_the_alternatives_notice_books_for_the_original_due_event(open_now, store, car, notice):
    for other in (owner_car(store, email="a@example.jp"), owner_car(store, email="b@example.jp")):
        process(receive(reminder(other), preferred=[at(WEDNESDAY, 10)]))
    process(receive(notice, preferred=[at(WEDNESDAY, 10)]))
    offered = Notice.objects.get(vehicle=car, stage="alternatives")
    reply = process(receive(offered, channel="email", text="2026年3月4日(水) 13:00 でお願いします"))
    assert reply.appointment.starts_at == jst(WEDNESDAY, 13)
    assert reply.appointment.work_type.code == "shaken" and reply.appointment.ends_at == jst(WEDNESDAY, 16)
    assert (reply.appointment.due_kind, reply.appointment.due_event_date) == ("shaken", EXPIRY)


def test_confirm_suppresses_pending_reminders_and_sends_an_invitation(open_now, store, car, notice, time_machine):
    time_machine.move_to(jst(dt.date(2026, 3, 31), 11), tick=False)
    from tests.notifications.pipeline import run

    run("2026-03-31")  # the "window" stage of the same expiry is now queued…
    pending = Notice.objects.get(vehicle=car, kind="shaken", stage="window")
    Notice.objects.filter(pk=pending.pk).update(status=NoticeStatus.QUEUED)
    Delivery.objects.filter(notice=pending).update(status=DeliveryStatus.QUEUED)
    appointment = process(receive(notice, preferred=[part(dt.date(2026, 4, 1), "morning")])).appointment
    appointment_confirm_notify(appointment=appointment, actor=StoreStaffFactory(store=store))
    pending.refresh_from_db()
    assert (pending.status, pending.cancel_reason) == ("suppressed", "appointment")
    assert set(Delivery.objects.filter(notice=pending).values_list("status", flat=True)) == {"cancelled"}
    notice.refresh_from_db()
    assert notice.status == "sent"  # what already went out stays as it was
    confirmed = Notice.objects.get(vehicle=car, stage="confirmed")
    [(name, content, mimetype)] = notice_attachments(confirmed)
    assert name == "appointment.ics" and mimetype.startswith("text/calendar; method=REQUEST")
    assert "DTSTART:20260401T010000Z" in content and "BEGIN:VEVENT" in content and content.endswith("END:VCALENDAR\r\n")
    deliveries_send_due()
    [sent] = [m for m in mail.outbox if m.reply_to == [f"{confirmed.reply_token}@reply.tconnect.example.jp"]]
    assert sent.to == ["owner@example.jp"] and "確定しました" in sent.subject  # the owner reads Japanese
    [(attached_name, attached, attached_type)] = sent.attachments  # the outbox attaches the invitation
    assert attached_name == "appointment.ics" and "BEGIN:VEVENT" in attached and attached_type.startswith("text/calendar")


def test_store_proposal_and_inquiry_answer_reach_the_owner(open_now, store, car, notice):
    appointment = process(receive(notice, preferred=[at(WEDNESDAY, 10)])).appointment
    appointment_propose_notify(appointment=appointment, alternatives=[jst(WEDNESDAY, 15)], actor=None)
    proposed = Notice.objects.get(vehicle=car, stage="proposed")
    assert proposed.context["proposed_times"] == [jst(WEDNESDAY, 15).isoformat()]
    question = process(receive(notice, intent="ask", text="時間はどのくらいかかりますか"))
    staff = StoreStaffFactory(store=store)
    inquiry_answer(inquiry=question.inquiry, answer="2時間ほどです。", actor=staff)
    answered = Notice.objects.get(vehicle=car, kind="inquiry_answer", stage="answered")
    assert "2時間ほどです。" in notice_render(answered).text
    assert Inquiry.objects.get(pk=question.inquiry_id).answered_by == staff


def test_store_cancel_of_a_requested_appointment_has_no_calendar_part(open_now, car, notice):
    appointment = process(receive(notice, preferred=[at(WEDNESDAY, 10)])).appointment
    appointment_cancel_notify(appointment=appointment, actor=None)
    assert notice_attachments(Notice.objects.get(vehicle=car, stage="cancelled")) == []


def test_car_without_a_store_fails_with_a_reason(open_now, car, notice):
    type(car).objects.filter(pk=car.pk).update(store=None)
    reply = process(receive(notice, preferred=[at(WEDNESDAY, 10)]))
    assert reply.status == "failed" and "store" in reply.error


def test_mark_failed_only_touches_unprocessed_replies(open_now, notice):
    reply = receive(notice, intent="ask", text="?")
    assert reply_mark_failed(reply_id=reply.pk, error="boom") == 1
    assert reply_mark_failed(reply_id=reply.pk, error="again") == 0


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (jst(MONDAY, 9), jst(TUESDAY, 18)),  # closed: due at the close of the next business day
        (jst(TUESDAY, 11), jst(TUESDAY, 18)),
        (jst(TUESDAY, 16, 30), jst(WEDNESDAY, 18)),  # less than two hours left: the next day
        (jst(TUESDAY, 19), jst(WEDNESDAY, 18)),
    ],
)
def test_inquiry_due_at_follows_business_hours(store, received, due):
    from dealers.selectors.calendar import StoreCalendar

    assert inquiry_due_at(StoreCalendar.for_store(store), received) == due


@pytest.mark.parametrize("model", [Reply, Inquiry])
def test_admin_lists_are_read_only_and_do_not_grow_queries(client, open_now, store, car, notice, model):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    login_staff(client, get_user_model().objects.create_superuser("root@tconnect.example.jp", "pw-for-tests-123"))
    url = reverse(f"admin:notifications_{model._meta.model_name}_changelist")
    process(receive(notice, intent="ask", text="質問1"))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(3):
        process(receive(reminder(owner_car(store, email=f"x{n}@example.jp")), intent="ask", text="質問"))
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)
    assert client.get(reverse(f"admin:notifications_{model._meta.model_name}_add")).status_code == 403


def test_staff_see_inquiries_and_replies_of_their_scope_only(open_now, store, car, notice):
    from django.http import Http404

    from notifications.selectors.replies import inquiries_open_for_staff, inquiry_get_for_staff, replies_for_staff
    from tests.factories import CompanyAdminFactory

    reply = process(receive(notice, intent="ask", text="質問"))
    staff = StoreStaffFactory(store=store)
    assert list(inquiries_open_for_staff(staff)) == [reply.inquiry]
    assert list(replies_for_staff(staff)) == [reply]
    assert inquiry_get_for_staff(staff, reply.inquiry_id) == reply.inquiry
    for outsider in (CompanyAdminFactory(), StoreStaffFactory(store=StoreFactory(company=store.company))):
        assert not inquiries_open_for_staff(outsider).exists() and not replies_for_staff(outsider).exists()
        with pytest.raises(Http404):
            inquiry_get_for_staff(outsider, reply.inquiry_id)


_FACTS = {
    "car_name": "プリウス", "plate": "品川 330 さ 1234", "store_name": "品川店", "store_phone": "03-1234-5678",
    "store_address": "東京都品川区", "company_name": "トヨタ販売", "due": {"kind": "shaken", "event_date": "2026-05-31"},
    "appointment": {"id": 1, "starts_at": "2026-03-04T10:00:00+09:00", "ends_at": "2026-03-04T11:00:00+09:00"},
    "alternatives": ["2026-03-04T11:00:00+09:00"], "proposed_times": [], "store_closed": True,
    "answer_from": "2026-03-03T10:00:00+09:00", "question": "代車は？", "answer": "あります。",
    "readings": [{"start": {"date": "2026-03-10", "time": None, "part": "morning"}, "end": None, "sure": False,
                  "doubt": "weekday"}],
}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("channel", ["email", "app", "navi"])
@pytest.mark.parametrize(
    ("kind", "stage"),
    [("appointment", s)
     for s in ("requested", "changed", "alternatives", "needs_time", "confirm", "confirmed", "proposed", "cancelled")]
    + [("inquiry_answer", "received"), ("inquiry_answer", "answered")],
)
def test_every_reply_notice_renders_in_both_languages_and_channels(kind, stage, channel, language):
    notice = Notice(kind=kind, stage=stage, context=_FACTS, language=language, reply_token="t" * 32,
                    event_date=EXPIRY, send_on=TUESDAY)
    rendered = notice_render(notice, channel=channel)
    assert rendered.subject and "\n" not in rendered.subject
    assert "品川店" in rendered.text and "{%" not in rendered.text and "<div" in rendered.html
    when = "2026年3月3日(火) 10:00" if language == "ja" else "Tue 3 March 2026, 10:00"
    assert (when in rendered.text) == (stage != "answered")  # when the closed store will answer
    by_mail = "このメールにご返信ください" if language == "ja" else "reply to this e-mail"
    assert (by_mail in rendered.text) == (channel == "email")
