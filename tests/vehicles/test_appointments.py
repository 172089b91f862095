"""Appointments: slots from the business calendar, capacity held in the database, states.

Frozen "now": Monday 2026-03-02 09:00 Asia/Tokyo. The factory store is open 10:00–18:00 Tuesday
to Sunday (closed Mondays), hourly slots, two bays unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from dealers.models import AuditEntry, CalendarException
from tests.auth import login_staff
from tests.factories import StoreFactory, VehicleFactory
from vehicles.models import Appointment, AppointmentState, BayHold
from vehicles.parsing.preferences import PartOfDay, Preference
from vehicles.selectors.appointments import alternatives, appointment_covers_sql, slots_available
from vehicles.selectors.capacity import day_slots
from vehicles.services.appointments import (
    AppointmentExists,
    appointment_cancel,
    appointment_change,
    appointment_confirm,
    appointment_mark_arrived,
    appointment_mark_completed,
    appointment_mark_no_show,
    appointment_propose,
    appointment_request,
)

TOKYO = ZoneInfo("Asia/Tokyo")
TUESDAY = dt.date(2026, 3, 3)
MONDAY_NEXT = dt.date(2026, 3, 9)


def jst(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TOKYO)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(jst(dt.date(2026, 3, 2), 9), tick=False)


@pytest.fixture
def store(db):
    return StoreFactory(service_bays=2, slot_minutes=60)


def car(store, **kwargs):
    return VehicleFactory(company=store.company, store=store, **kwargs)


def book(store, vehicle, *preferred: Preference, key: str | None = None, **kwargs):
    return appointment_request(
        vehicle=vehicle, store=store, preferred=list(preferred), idempotency_key=key or f"test:{vehicle.pk}:{id(preferred)}",
        **kwargs,
    )


def at(day: dt.date, hour: int, minute: int = 0) -> Preference:
    return Preference(day, time=dt.time(hour, minute))


# -- slots from the calendar ------------------------------------------------------------------


def test_day_slots_fill_the_opening_hours_and_end_by_closing():
    hours = (dt.time(10), dt.time(18))
    assert [s.strftime("%H:%M") for s in day_slots(TUESDAY, hours, 60)] == [f"{h}:00" for h in range(10, 18)]
    assert [s.strftime("%H:%M") for s in day_slots(TUESDAY, hours, 90)] == ["10:00", "11:30", "13:00", "14:30", "16:00"]
    assert day_slots(TUESDAY, None, 60) == []


def test_slots_available_counts_capacity_and_bookings(store):
    book(store, car(store), at(TUESDAY, 10))
    slots = slots_available(store, TUESDAY)
    assert [(s.start.hour, s.capacity, s.booked, s.free) for s in slots[:2]] == [(10, 2, 1, 1), (11, 2, 0, 2)]
    assert len(slots) == 8


def test_closed_weekday_offers_no_slot_and_books_nothing(store):
    assert slots_available(store, MONDAY_NEXT) == []
    result = book(store, car(store), Preference(MONDAY_NEXT, part=PartOfDay.MORNING))
    assert result.appointment is None
    assert all(a.astimezone(TOKYO).date() != MONDAY_NEXT for a in result.alternatives)
    assert not BayHold.objects.exists()


def test_calendar_closure_and_national_holiday_offer_no_slot(store):
    CalendarException.objects.create(store=store, starts_on=dt.date(2026, 3, 5), ends_on=dt.date(2026, 3, 6), note="棚卸し")
    assert slots_available(store, dt.date(2026, 3, 5)) == []
    equinox = dt.date(2026, 3, 20)  # 春分の日: open by default (dealers work holidays)
    assert len(slots_available(store, equinox)) == 8
    store.closed_on_national_holidays = True
    store.save()
    assert slots_available(store, equinox) == []


@pytest.mark.parametrize(
    ("hour", "minute", "booked_at"),
    [
        (9, 0, None),  # before opening
        (18, 0, None),  # closing time: the last slot starts at 17:00
        (17, 30, None),  # the next slot would start at 18:00
        (17, 0, "17:00"),  # the last slot ends exactly at closing
        (10, 0, "10:00"),
        (14, 30, "14:30"),  # an exact quarter-hour off the grid takes its own start (issue 16)
        (14, 10, "15:00"),  # any other time between slots takes the next slot start
    ],
)
def test_out_of_hours_and_slot_boundaries(store, hour, minute, booked_at):
    result = book(store, car(store), at(TUESDAY, hour, minute))
    if booked_at is None:
        assert result.appointment is None
    else:
        assert result.appointment.starts_at.astimezone(TOKYO).strftime("%H:%M") == booked_at
        assert result.appointment.ends_at - result.appointment.starts_at == dt.timedelta(hours=1)


@pytest.mark.parametrize(("part", "hour"), [("morning", 10), ("afternoon", 12), ("evening", 17)])
def test_part_of_day_takes_the_first_free_slot_in_it(store, part, hour):
    result = book(store, car(store), Preference(TUESDAY, part=PartOfDay(part)))
    assert result.appointment.starts_at == jst(TUESDAY, hour)


def test_slot_within_the_booking_lead_is_not_offered(store, time_machine):
    time_machine.move_to(jst(TUESDAY, 10, 30), tick=False)
    assert [s.start.hour for s in slots_available(store, TUESDAY)][:1] == [12]  # 11:00 is < 1 h away
    assert book(store, car(store), at(TUESDAY, 11)).appointment is None


def test_first_preferred_time_that_fits_wins(store):
    for _ in range(2):
        book(store, car(store), at(TUESDAY, 10))
    result = book(store, car(store), at(TUESDAY, 10), Preference(dt.date(2026, 3, 4), part=PartOfDay.AFTERNOON))
    assert result.appointment.starts_at == jst(dt.date(2026, 3, 4), 12)


def test_undated_time_looks_at_the_next_days(store):
    result = book(store, car(store), Preference(None, time=dt.time(14)))
    assert result.appointment.starts_at == jst(TUESDAY, 14)


# -- capacity ---------------------------------------------------------------------------------


def test_full_slot_gives_alternatives_spread_over_parts_of_day(store):
    held = [book(store, car(store), at(TUESDAY, 10)).appointment for _ in range(2)]
    assert sorted(BayHold.objects.values_list("bay", flat=True)) == [0, 1]
    result = book(store, car(store), at(TUESDAY, 10))
    assert result.appointment is None
    assert list(result.alternatives) == [jst(TUESDAY, 11), jst(TUESDAY, 12), jst(TUESDAY, 17)]
    assert all(a.state == AppointmentState.REQUESTED for a in held)


def test_cancel_frees_the_bay_for_the_next_booking(store):
    first, _second = (book(store, car(store), at(TUESDAY, 10)).appointment for _ in range(2))
    appointment_cancel(appointment=first)
    assert not BayHold.objects.filter(appointment=first).exists()
    again = book(store, car(store), at(TUESDAY, 10)).appointment
    assert again.bay_hold.bay == 0


def test_database_refuses_a_second_booking_of_the_same_bay(store):
    appointment = book(store, car(store), at(TUESDAY, 10)).appointment
    other = Appointment.objects.create(
        company=store.company, store=store, vehicle=car(store), starts_at=appointment.starts_at, ends_at=appointment.ends_at
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BayHold.objects.create(store=store, during=(appointment.starts_at, appointment.ends_at), bay=0, appointment=other)


def test_store_without_bays_takes_no_booking(store):
    store.service_bays = 0
    store.save()
    assert book(store, car(store), at(TUESDAY, 10)).appointment is None
    assert alternatives(store, jst(TUESDAY, 0)) == []


def test_store_of_another_company_cannot_book_the_car(store):
    with pytest.raises(ValidationError):
        book(StoreFactory(), car(store), at(TUESDAY, 10))


# -- idempotency and one open appointment per due event --------------------------------------


def test_same_key_twice_makes_one_appointment(store):
    vehicle = car(store)
    first = book(store, vehicle, at(TUESDAY, 10), key="reply:1")
    second = book(store, vehicle, at(TUESDAY, 11), key="reply:1")
    assert first.created and not second.created
    assert second.appointment.pk == first.appointment.pk
    assert Appointment.objects.count() == 1 and BayHold.objects.count() == 1


def test_second_request_for_the_same_due_event_is_refused(store):
    vehicle = car(store)
    due = {"due_kind": "shaken", "due_event_date": dt.date(2026, 5, 31)}
    first = book(store, vehicle, at(TUESDAY, 10), key="a", **due).appointment
    with pytest.raises(AppointmentExists) as raised:
        book(store, vehicle, at(TUESDAY, 11), key="b", **due)
    assert raised.value.appointment.pk == first.pk


# -- states -----------------------------------------------------------------------------------


def test_lifecycle_confirm_arrive_complete_with_audit(store, time_machine):
    appointment = book(store, car(store), at(TUESDAY, 10)).appointment
    appointment_confirm(appointment=appointment)
    time_machine.move_to(jst(TUESDAY, 10, 5), tick=False)
    appointment_mark_arrived(appointment=appointment)
    appointment_mark_completed(appointment=appointment)
    assert appointment.state == AppointmentState.COMPLETED
    assert appointment.confirmed_at and appointment.arrived_at and appointment.completed_at
    assert BayHold.objects.filter(appointment=appointment).exists()  # a visit keeps its bay
    actions = set(AuditEntry.objects.filter(target_id=str(appointment.pk)).values_list("action", flat=True))
    assert actions == {"appointment.request", "appointment.confirm", "appointment.arrive", "appointment.complete"}


def test_impossible_transitions_are_refused(store):
    appointment = book(store, car(store), at(TUESDAY, 10)).appointment
    with pytest.raises(ValidationError):
        appointment_mark_completed(appointment=appointment)
    appointment_cancel(appointment=appointment)
    with pytest.raises(ValidationError):
        appointment_confirm(appointment=appointment)


def test_no_show_only_once_the_time_has_come_and_frees_the_slot(store, time_machine):
    appointment = book(store, car(store), at(TUESDAY, 10)).appointment
    with pytest.raises(ValidationError):
        appointment_mark_no_show(appointment=appointment)
    time_machine.move_to(jst(TUESDAY, 10, 30), tick=False)
    appointment_mark_no_show(appointment=appointment)
    assert appointment.state == AppointmentState.NO_SHOW
    assert not BayHold.objects.exists()


def test_propose_ends_the_request_and_keeps_the_offered_times(store):
    appointment = book(store, car(store), at(TUESDAY, 10)).appointment
    appointment_propose(appointment=appointment, alternatives=[jst(TUESDAY, 15), jst(dt.date(2026, 3, 4), 10)])
    assert appointment.state == AppointmentState.CANCELLED and appointment.cancel_reason == "store_proposed"
    assert appointment.proposed_times == [jst(TUESDAY, 15).isoformat(), jst(dt.date(2026, 3, 4), 10).isoformat()]
    assert not BayHold.objects.exists()


@pytest.mark.parametrize("bad", [jst(MONDAY_NEXT, 10), jst(TUESDAY, 10, 30), jst(TUESDAY, 18)])
def test_propose_refuses_times_the_store_does_not_offer_and_changes_nothing(store, bad):
    appointment = book(store, car(store), at(TUESDAY, 10)).appointment
    with pytest.raises(ValidationError):
        appointment_propose(appointment=appointment, alternatives=[bad])
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.REQUESTED
    assert BayHold.objects.filter(appointment=appointment).exists()


def test_change_moves_the_booking(store):
    old = book(store, car(store), at(TUESDAY, 10)).appointment
    result = appointment_change(appointment=old, preferred=[at(TUESDAY, 14)], idempotency_key="change:1")
    old.refresh_from_db()
    assert old.state == AppointmentState.CANCELLED and old.cancel_reason == "owner_changed"
    assert result.appointment.starts_at == jst(TUESDAY, 14)
    assert list(BayHold.objects.values_list("appointment_id", flat=True)) == [result.appointment.pk]


def test_change_that_fits_nowhere_keeps_the_old_appointment(store):
    for _ in range(2):
        book(store, car(store), at(TUESDAY, 14))
    old = book(store, car(store), at(TUESDAY, 10)).appointment
    result = appointment_change(appointment=old, preferred=[at(TUESDAY, 14)], idempotency_key="change:2")
    assert result.appointment is None and result.alternatives
    assert old.state == AppointmentState.REQUESTED
    assert BayHold.objects.filter(appointment=old, during__startswith=jst(TUESDAY, 10)).exists()


def test_covering_sql_counts_confirmed_appointments_only(store):
    vehicle = car(store)
    due = {"due_kind": "shaken", "due_event_date": dt.date(2026, 5, 31)}
    appointment = book(store, vehicle, at(TUESDAY, 10), **due).appointment
    sql = "SELECT " + appointment_covers_sql(vehicle_sql="%s", kind_sql="'shaken'", event_date_sql="'2026-05-31'::date")

    def covered() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(sql, [vehicle.pk])
            return cursor.fetchone()[0]

    assert not covered()
    appointment_confirm(appointment=appointment)
    assert covered()


# -- concurrency: no double booking, ever ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_many_threads_booking_one_slot_hold_exactly_its_bays(time_machine):
    time_machine.move_to(jst(dt.date(2026, 3, 2), 9), tick=True)
    store = StoreFactory(service_bays=3, slot_minutes=60)
    vehicles = [car(store) for _ in range(16)]
    barrier = threading.Barrier(len(vehicles))
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def worker(vehicle):
        try:
            barrier.wait()
            results[vehicle.pk] = book(store, vehicle, at(TUESDAY, 10), key=f"race:{vehicle.pk}")
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(v,)) for v in vehicles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    held = [r for r in results.values() if r.appointment is not None]
    assert len(held) == 3
    assert sorted(BayHold.objects.filter(during__startswith=jst(TUESDAY, 10)).values_list("bay", flat=True)) == [0, 1, 2]
    assert Appointment.objects.count() == 3
    refused = [r for r in results.values() if r.appointment is None]
    assert len(refused) == 13 and all(jst(TUESDAY, 10) not in r.alternatives for r in refused)


# -- admin (read-only) -----------------------------------------------------------------------


@pytest.mark.parametrize("model", [Appointment, BayHold])
def test_admin_lists_are_read_only_and_do_not_grow_queries(client, store, model):
    from django.contrib.auth import get_user_model
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    login_staff(client, get_user_model().objects.create_superuser("root@tconnect.example.jp", "pw-for-tests-123"))
    url = reverse(f"admin:vehicles_{model._meta.model_name}_changelist")
    book(store, car(store), at(TUESDAY, 10))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for hour in (11, 12, 13):
        book(store, car(store), at(TUESDAY, hour))
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)
    assert client.get(reverse(f"admin:vehicles_{model._meta.model_name}_add")).status_code == 403


def test_staff_see_appointments_of_their_scope_only(store):
    from django.http import Http404

    from tests.factories import CallCenterAgentFactory, CompanyAdminFactory, StoreStaffFactory
    from vehicles.selectors.appointments import appointment_get_for_staff, appointments_for_staff

    mine = book(store, car(store), at(TUESDAY, 10)).appointment
    sister = StoreFactory(company=store.company)
    other_store = book(sister, car(sister), at(TUESDAY, 10)).appointment
    assert list(appointments_for_staff(StoreStaffFactory(store=store))) == [mine]
    assert set(appointments_for_staff(CompanyAdminFactory(company=store.company))) == {mine, other_store}
    outsider = CompanyAdminFactory()
    assert not appointments_for_staff(outsider).exists()
    assert not appointments_for_staff(CallCenterAgentFactory()).exists()
    with pytest.raises(Http404):
        appointment_get_for_staff(outsider, mine.pk)
    with pytest.raises(Http404):
        appointment_get_for_staff(StoreStaffFactory(store=sister), mine.pk)
