"""e-Care follow-ups: routing by business hours, SLA, escalation, calls, visits, scope, pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from dealers.models import AuditEntry, CalendarException
from tests.auth import login_staff
from tests.factories import CallCenterAgentFactory, CompanyAdminFactory, StoreFactory, StoreStaffFactory, UserFactory
from tests.vehicles.ecare_helpers import MONDAY_12, TUESDAY_11, TUESDAY_19, desk_for, ecare_car, jst, open_warning
from vehicles.models import Appointment, FollowUp, FollowUpCall
from vehicles.selectors.obd import OBD_CHECK_MESSAGE, obd_check_flags
from vehicles.services.followup_escalation import followups_escalate
from vehicles.services.followup_routing import business_time_add, followup_route
from vehicles.services.followups import (
    followup_book_visit,
    followup_close,
    followup_log_call,
    followup_open_for_warning,
)

pytestmark = pytest.mark.django_db


def route(store, desks, at, severity="stop_now"):
    return followup_route(store=store, desks=desks, severity=severity, now=at)


# --- routing by business hours -----------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "desk_hours", "expected"),
    [
        # store open → the store, now; 30 minutes of its time
        (TUESDAY_11, (dt.time(9), dt.time(18)), ("store", True, TUESDAY_11, jst(2026, 12, 1, 11, 30))),
        # store closed (Monday), desk open → the desk, now
        (MONDAY_12, (dt.time(9), dt.time(18)), ("desk", True, MONDAY_12, jst(2026, 12, 7, 12, 30))),
        # both closed: the desk opens at 9:00, before the store's 10:00 → the desk, from then
        (TUESDAY_19, (dt.time(9), dt.time(18)), ("desk", False, jst(2026, 12, 2, 9), jst(2026, 12, 2, 9, 30))),
        # both closed, both open at 10:00 → the store wins the tie (it knows the car)
        (TUESDAY_19, (dt.time(10), dt.time(18)), ("store", False, jst(2026, 12, 2, 10), jst(2026, 12, 2, 10, 30))),
        # a desk open round the clock takes the night
        (TUESDAY_19, (dt.time(0), dt.time(0)), ("desk", True, TUESDAY_19, jst(2026, 12, 1, 19, 30))),
        # a desk open past midnight (20:00-08:00) is open at 02:00
        (jst(2026, 12, 2, 2), (dt.time(20), dt.time(8)), ("desk", True, jst(2026, 12, 2, 2), jst(2026, 12, 2, 2, 30))),
    ],
)
def test_routing_by_business_hours(at, desk_hours, expected):
    store = StoreFactory()
    desk = desk_for(store.company, opens_at=desk_hours[0], closes_at=desk_hours[1])
    routing = route(store, [desk], at)
    assignee = routing.assignee
    assert (assignee, routing.open_now, routing.available_from, routing.due_at) == expected
    assert (routing.store == store) == (assignee == "store") and (routing.desk == desk) == (assignee == "desk")


def test_without_a_desk_a_closed_store_gets_it_from_its_next_opening():
    store = StoreFactory()
    routing = route(store, [], TUESDAY_19)
    assert (routing.assignee, routing.available_from, routing.due_at) == ("store", jst(2026, 12, 2, 10), jst(2026, 12, 2, 10, 30))


def test_store_closure_days_count_and_a_weekday_desk_rests_on_weekends():
    store = StoreFactory()
    CalendarException.objects.create(store=store, starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 3), note="棚卸")
    weekday_desk = desk_for(store.company, open_every_day=False)
    assert route(store, [weekday_desk], TUESDAY_11).assignee == "desk"  # store closed for stock-taking
    saturday_night = jst(2026, 12, 5, 20)
    routing = route(store, [weekday_desk], saturday_night)
    # The desk rests until Monday 9:00; the store opens Sunday 10:00.
    assert (routing.assignee, routing.available_from) == ("store", jst(2026, 12, 6, 10))


def test_no_store_and_no_desk_goes_to_the_company_from_now():
    routing = route(None, [], TUESDAY_19)
    assert (routing.assignee, routing.available_from, routing.due_at) == ("company", TUESDAY_19, jst(2026, 12, 1, 19, 30))


def test_see_dealer_soon_sla_counts_four_business_hours_across_the_night():
    store = StoreFactory()
    routing = route(store, [], jst(2026, 12, 1, 16), severity="see_dealer_soon")
    # 16:00-18:00 today (2 h), then 10:00-12:00 tomorrow.
    assert (routing.assignee, routing.due_at) == ("store", jst(2026, 12, 2, 12))


def test_sla_minutes_come_from_settings(settings):
    settings.FOLLOWUP_SLA_MINUTES = {"stop_now": 15, "see_dealer_soon": 60}
    assert route(StoreFactory(), [], TUESDAY_11).due_at == jst(2026, 12, 1, 11, 15)


def test_business_time_add_skips_closed_time_and_runs_past_midnight():
    night = {dt.date(2026, 12, 1): (dt.time(22), dt.time(2))}.get  # one window, 22:00-02:00
    assert business_time_add(night, jst(2026, 12, 1, 12), dt.timedelta(hours=3)) == jst(2026, 12, 2, 1)
    assert business_time_add(night, jst(2026, 12, 2, 1), dt.timedelta(minutes=30)) == jst(2026, 12, 2, 1, 30)
    never = {}.get  # no opening at all: wall time, so a due time always exists
    assert business_time_add(never, TUESDAY_11, dt.timedelta(minutes=30)) == jst(2026, 12, 1, 11, 30)


# --- opening a follow-up -----------------------------------------------------------------


def test_followup_opens_once_per_warning_routed_and_audited(time_machine):
    time_machine.move_to(TUESDAY_19, tick=False)
    car = ecare_car()
    desk = desk_for(car.company)
    warning = open_warning(car)

    followup = followup_open_for_warning(warning=warning)
    again = followup_open_for_warning(warning=warning)

    assert again.pk == followup.pk and FollowUp.objects.count() == 1
    assert (followup.assignee, followup.desk, followup.available_from) == ("desk", desk, jst(2026, 12, 2, 9))
    assert (followup.status, followup.severity, followup.company_id) == ("open", "stop_now", car.company_id)
    entry = AuditEntry.objects.get(action="followup.open")
    assert entry.target_id == str(followup.pk) and entry.data["assignee"] == "desk"


@pytest.mark.parametrize(("code", "severity"), [("P1604", "info"), ("device:third_party", "info")])
def test_no_followup_for_information_or_a_third_party_device(code, severity):
    car = ecare_car()
    assert followup_open_for_warning(warning=open_warning(car, code, severity=severity)) is None
    assert not FollowUp.objects.exists()


def test_an_inactive_store_is_passed_over(time_machine):
    time_machine.move_to(TUESDAY_11, tick=False)
    car = ecare_car()
    car.store.is_active = False
    car.store.save()
    desk = desk_for(car.company)
    followup = followup_open_for_warning(warning=open_warning(car))
    assert (followup.assignee, followup.desk) == ("desk", desk)


# --- escalation ---------------------------------------------------------------------------


def _followup_at(car, *, due: dt.datetime, assignee="store", desk=None, code="lamp:brake"):
    warning = open_warning(car, code, at=due - dt.timedelta(minutes=30))
    return FollowUp.objects.create(
        company=car.company, vehicle=car, warning=warning, severity="stop_now", assignee=assignee,
        store=car.store if assignee == "store" else None, desk=desk, opened_at=warning.opened_at,
        available_from=warning.opened_at, due_at=due,
    )


def test_overdue_followups_escalate_once_and_move_from_a_closed_store_to_the_desk():
    car = ecare_car()
    desk = desk_for(car.company)
    at_closed_store = _followup_at(car, due=jst(2026, 12, 1, 17, 50), code="lamp:brake")
    not_yet = _followup_at(car, due=jst(2026, 12, 1, 19, 30), code="lamp:charging")
    at_desk = _followup_at(car, due=jst(2026, 12, 1, 18, 30), assignee="desk", desk=desk, code="lamp:oil_pressure")

    result = followups_escalate(now=TUESDAY_19)  # the store closed at 18:00

    assert (result.escalated, result.reassigned) == (2, 1)
    at_closed_store.refresh_from_db()
    assert (at_closed_store.assignee, at_closed_store.desk, at_closed_store.store) == ("desk", desk, None)
    assert at_closed_store.escalated_at == TUESDAY_19 and at_closed_store.due_at == jst(2026, 12, 1, 17, 50)
    at_desk.refresh_from_db()
    assert (at_desk.assignee, at_desk.escalated_at) == ("desk", TUESDAY_19)
    not_yet.refresh_from_db()
    assert not_yet.escalated_at is None
    entries = AuditEntry.objects.filter(action="followup.escalate")
    assert {(e.target_id, e.data["reassigned_to_desk"]) for e in entries} == {
        (str(at_closed_store.pk), desk.pk), (str(at_desk.pk), None)
    }
    assert followups_escalate(now=TUESDAY_19).escalated == 0  # idempotent


def test_overdue_at_an_open_store_escalates_in_place_and_closed_ones_never():
    car = ecare_car()
    desk_for(car.company)
    overdue = _followup_at(car, due=jst(2026, 12, 1, 10, 30))
    done = _followup_at(car, due=jst(2026, 12, 1, 10, 30), code="lamp:abs")
    done.status, done.closed_at = "closed", jst(2026, 12, 1, 10, 40)
    done.save()

    assert followups_escalate(now=TUESDAY_11).escalated == 1
    overdue.refresh_from_db()
    done.refresh_from_db()
    assert (overdue.assignee, overdue.store_id, overdue.escalated_at) == ("store", car.store_id, TUESDAY_11)
    assert done.escalated_at is None


def test_without_a_desk_an_overdue_followup_stays_at_the_closed_store():
    car = ecare_car()
    followup = _followup_at(car, due=jst(2026, 12, 1, 17, 50))
    assert followups_escalate(now=TUESDAY_19).reassigned == 0
    followup.refresh_from_db()
    assert (followup.assignee, followup.escalated_at) == ("store", TUESDAY_19)


def test_escalation_task_is_a_thin_adapter(time_machine):
    from vehicles.tasks import followups_escalate_task

    time_machine.move_to(TUESDAY_19, tick=False)
    car = ecare_car()
    desk_for(car.company)
    _followup_at(car, due=jst(2026, 12, 1, 17, 50))
    assert followups_escalate_task() == {"escalated": 1, "reassigned": 1}


# --- calls, closing, visits ---------------------------------------------------------------


@pytest.fixture
def followup(time_machine):
    time_machine.move_to(TUESDAY_11, tick=False)
    car = ecare_car()
    return followup_open_for_warning(warning=open_warning(car))


def test_logging_calls_keeps_the_advice_and_the_first_call_time(followup):
    staff = StoreStaffFactory(store=followup.vehicle.store)
    followup_log_call(followup=followup, actor=staff, outcome="no_answer", advice="", next_action="call_again")
    call = followup_log_call(
        followup=followup, actor=staff, outcome="reached", advice="安全な場所に停車し、ロードサービスを手配しました。", next_action="roadside"
    )
    followup.refresh_from_db()
    assert followup.first_call_at == TUESDAY_11
    assert [c.outcome for c in FollowUpCall.objects.filter(followup=followup).order_by("id")] == ["no_answer", "reached"]
    assert call.advice.startswith("安全な場所") and call.actor == staff
    assert AuditEntry.objects.filter(action="followup.call", target_id=str(followup.pk)).count() == 2


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"outcome": "reached", "advice": "  ", "next_action": "none"}, "advice"),
        ({"outcome": "teleported", "advice": "x", "next_action": "none"}, "outcome"),
        ({"outcome": "no_answer", "advice": "", "next_action": "nap"}, "next_action"),
        ({"outcome": "reached", "advice": "x" * 4001, "next_action": "none"}, "advice"),
    ],
)
def test_bad_call_logs_are_refused_with_field_messages(followup, fields, error_field):
    with pytest.raises(ValidationError) as error:
        followup_log_call(followup=followup, actor=None, **fields)
    assert error_field in error.value.message_dict
    assert not FollowUpCall.objects.exists()


def test_closing_is_audited_and_a_closed_followup_takes_no_more_calls(followup):
    admin = CompanyAdminFactory(company=followup.company)
    closed = followup_close(followup=followup, actor=admin, resolution="Towed to the store.")
    assert (closed.status, closed.closed_by, closed.resolution) == ("closed", admin, "Towed to the store.")
    with pytest.raises(ValidationError):
        followup_close(followup=followup, actor=admin)
    with pytest.raises(ValidationError):
        followup_log_call(followup=followup, actor=admin, outcome="no_answer", advice="", next_action="none")
    assert AuditEntry.objects.filter(action="followup.close").count() == 1


def test_booking_a_visit_from_the_followup_requests_an_appointment_once(followup):
    staff = CallCenterAgentFactory()
    wednesday_14 = jst(2026, 12, 2, 14)
    result = followup_book_visit(followup=followup, actor=staff, starts_at=wednesday_14)
    again = followup_book_visit(followup=followup, actor=staff, starts_at=wednesday_14)

    assert result.created and result.appointment.starts_at == wednesday_14
    assert again.appointment.pk == result.appointment.pk and not again.created
    appointment = Appointment.objects.get()
    assert (appointment.state, appointment.store, appointment.vehicle) == ("requested", followup.vehicle.store, followup.vehicle)
    followup.refresh_from_db()
    assert followup.appointment == appointment
    assert AuditEntry.objects.filter(action="followup.book").count() == 1


def test_booking_outside_the_store_hours_books_nothing_and_offers_times(followup):
    result = followup_book_visit(followup=followup, actor=None, starts_at=jst(2026, 12, 7, 14))  # a Monday
    assert result.appointment is None and result.alternatives
    assert not Appointment.objects.exists()


def test_booking_needs_a_registered_store(followup):
    followup.vehicle.store = None
    with pytest.raises(ValidationError):
        followup_book_visit(followup=followup, actor=None, starts_at=jst(2026, 12, 2, 14))


# --- scope and pages -----------------------------------------------------------------------


class Cast:
    """Company A (alice admin, bob at store 1, carol at the desk serving A), charlie of B."""

    def __init__(self):
        self.car1 = ecare_car(obd_inspection_target=True)
        self.company = self.car1.company
        self.car2 = ecare_car(store=StoreFactory(company=self.company))
        self.desk = desk_for(self.company)
        self.alice = CompanyAdminFactory(company=self.company)
        self.bob = StoreStaffFactory(store=self.car1.store)
        self.carol = CallCenterAgentFactory(desk=self.desk)
        self.charlie = CompanyAdminFactory()
        self.f1 = followup_open_for_warning(warning=open_warning(self.car1, "P0420", severity="see_dealer_soon"))
        self.f2 = followup_open_for_warning(warning=open_warning(self.car2))


@pytest.fixture
def cast(time_machine):
    time_machine.move_to(TUESDAY_11, tick=False)
    return Cast()


def client_for(user) -> Client:
    client = Client()
    login_staff(client, user)
    return client


def test_who_sees_which_followups(cast):
    def queue(user):
        response = client_for(user).get("/vehicles/followups/")
        assert response.status_code == 200
        return {f.pk for f in response.context["queue"].items}

    assert queue(cast.alice) == queue(cast.carol) == {cast.f1.pk, cast.f2.pk}
    assert queue(cast.bob) == {cast.f1.pk}
    assert queue(cast.charlie) == set()
    owner = Client()
    owner.force_login(UserFactory())
    assert owner.get("/vehicles/followups/").status_code == 404
    assert owner.get(f"/vehicles/followups/{cast.f1.pk}/").status_code == 404
    assert client_for(cast.charlie).get(f"/vehicles/followups/{cast.f1.pk}/").status_code == 404
    assert client_for(cast.bob).get(f"/vehicles/followups/{cast.f2.pk}/").status_code == 404


def test_a_desk_outside_the_company_sees_nothing(cast):
    stranger = CallCenterAgentFactory()  # its desk serves no company of ours
    assert client_for(stranger).get(f"/vehicles/followups/{cast.f1.pk}/").status_code == 404


def test_queue_puts_the_overdue_first_and_its_query_count_does_not_grow(cast, django_assert_num_queries, time_machine):
    client = client_for(cast.carol)
    client.get("/vehicles/followups/")  # warm the session
    with django_assert_num_queries(8) as few:
        client.get("/vehicles/followups/")
    for _ in range(6):
        followup_open_for_warning(warning=open_warning(ecare_car(store=StoreFactory(company=cast.company)), "lamp:abs",
                                                       severity="see_dealer_soon"))
    time_machine.move_to(jst(2026, 12, 1, 11, 45), tick=False)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/vehicles/followups/")
    items = response.context["queue"].items
    assert len(items) == 8 and items[0].pk == cast.f2.pk  # stop now, due 11:30: overdue
    assert response.context["queue"].overdue == 1
    assert [f.due_at for f in items] == sorted(f.due_at for f in items)


def test_only_mine_narrows_to_the_desk_or_the_store(cast):
    assert {f.pk for f in client_for(cast.bob).get("/vehicles/followups/?mine=1").context["queue"].items} == {cast.f1.pk}
    assert client_for(cast.carol).get("/vehicles/followups/?mine=1").context["queue"].items == []


def test_followup_page_shows_the_car_the_obd_flag_and_logs_access(cast):
    response = client_for(cast.carol).get(f"/vehicles/followups/{cast.f1.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    page = response.context["page"]
    assert [f.code for f in page.obd_flags] == ["P0420"]
    with translation.override("ja"):
        assert str(OBD_CHECK_MESSAGE) in html
    assert page.health.vehicle_id == cast.car1.pk
    assert cast.car1.customer.name in html
    assert f'href="/vehicles/{cast.car1.pk}/"' not in html  # agents do not open vehicle pages
    assert AuditEntry.objects.filter(action="followup.view", actor=cast.carol).exists()
    assert client_for(cast.alice).get(f"/vehicles/followups/{cast.f2.pk}/").context["page"].obd_flags == []


def test_call_close_and_book_through_the_pages(cast):
    carol = client_for(cast.carol)
    url = f"/vehicles/followups/{cast.f1.pk}/"
    bad = carol.post(url + "call/", {"outcome": "reached", "advice": "", "next_action": "visit"})
    assert bad.status_code == 400 and bad.context["call_form"].errors["advice"]
    ok = carol.post(url + "call/", {"outcome": "reached", "advice": "早めに入庫をおすすめしました。", "next_action": "visit"})
    assert ok.status_code == 302 and FollowUpCall.objects.get().actor == cast.carol
    closed = carol.post(f"/vehicles/followups/{cast.f2.pk}/close/", {"resolution": "Towed to the store."})
    assert closed.status_code == 302
    cast.f2.refresh_from_db()
    assert cast.f2.status == "closed" and cast.f2.closed_by == cast.carol
    again = carol.post(f"/vehicles/followups/{cast.f2.pk}/close/", {})
    assert again.status_code == 400
    booked = carol.post(url + "book/", {"day": "2026-12-02", "time": "14:00"})
    assert booked.status_code == 302 and Appointment.objects.get().vehicle == cast.car1
    cast.f1.refresh_from_db()
    assert cast.f1.status == "closed" and cast.f1.closed_by == cast.carol  # the booking resolved it


def test_staff_health_api_carries_the_obd_flag(cast):
    data = client_for(cast.carol).get(f"/api/v1/vehicles/{cast.car1.pk}/health/").json()
    with translation.override("ja"):  # the portal's language
        message = str(OBD_CHECK_MESSAGE)
    assert [(f["code"], f["message"]) for f in data["obd_check"]] == [("P0420", message)]
    assert data["open_warnings"][0]["code"] == "P0420"
    assert client_for(cast.charlie).get(f"/api/v1/vehicles/{cast.car1.pk}/health/").status_code == 404
    assert client_for(cast.bob).get(f"/api/v1/vehicles/{cast.car2.pk}/health/").status_code == 404


def test_obd_flag_needs_the_target_car_an_open_flagged_dtc(cast):
    assert [f.code for f in obd_check_flags(cast.car1)] == ["P0420"]
    open_warning(cast.car1, "P0128", severity="see_dealer_soon")  # not flagged in the code table
    open_warning(cast.car2, "P0420", severity="see_dealer_soon")  # flagged, but car2 is no OBD検査対象
    assert [f.code for f in obd_check_flags(cast.car1)] == ["P0420"] and obd_check_flags(cast.car2) == []
    cast.f1.warning.closed_at = timezone.now()
    cast.f1.warning.save()
    assert obd_check_flags(cast.car1) == []


def test_a_logged_call_is_on_the_car_timeline_and_booking_resolves_the_followup(cast):
    """Issue 16 point 3: the call center reaches the owner and books a visit; the call is on the
    car's timeline, the follow-up is closed with the visit, and it leaves the desk's open queue."""
    carol = client_for(cast.carol)
    cast.f2.assignee, cast.f2.desk, cast.f2.store = "desk", cast.desk, None
    cast.f2.save(update_fields=["assignee", "desk", "store"])
    assert cast.f2.pk in {f.pk for f in carol.get("/vehicles/followups/?mine=1").context["queue"].items}
    url = f"/vehicles/followups/{cast.f2.pk}/"
    carol.post(url + "call/", {"outcome": "reached", "advice": "明日の入庫をご案内しました。", "next_action": "visit"})
    assert carol.post(url + "book/", {"day": "2026-12-02", "time": "14:00"}).status_code == 302

    cast.f2.refresh_from_db()
    assert cast.f2.status == "closed" and cast.f2.appointment is not None
    assert "2026年12月2日(水) 14:00" in cast.f2.resolution
    assert cast.f2.pk not in {f.pk for f in carol.get("/vehicles/followups/?mine=1").context["queue"].items}
    assert cast.f2.pk in {f.pk for f in carol.get("/vehicles/followups/?state=closed").context["queue"].items}
    timeline = client_for(cast.alice).get(f"/vehicles/{cast.car2.pk}/timeline/").content.decode()
    assert "電話連絡：オーナーと連絡が取れた" in timeline and "明日の入庫をご案内しました。" in timeline
    assert "フォローアップ完了" in timeline and "来店予約" in timeline


def test_the_call_actions_come_first_on_the_followup_page(cast):
    """Issue 16 point 15: the call-log form sat about 1,200 px down the page."""
    html = client_for(cast.bob).get(f"/vehicles/followups/{cast.f1.pk}/").content.decode()
    order = [html.index(marker) for marker in (
        'id="call-actions"', f'action="/vehicles/followups/{cast.f1.pk}/call/"', 'id="h-book"', 'id="h-close"',
        'id="h-warning"', 'id="h-readings"', 'id="h-calls"',
    )]
    assert order == sorted(order)
    assert f'href="tel:{cast.car1.customer.phone}"' in html[:order[1]]  # the number to dial is beside the form
