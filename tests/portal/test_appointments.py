"""Appointment pages: a store's day with capacity per slot, the week strip, the front desk's
actions (confirm, propose, arrived, completed, no-show, cancel) and their tenant checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dealers.selectors.calendar import BUSINESS_TZ
from notifications.models import Notice, NoticeKind
from tests.portal.builders import appointment
from tests.portal.conftest import plated_vehicle
from vehicles.models import AppointmentState, BayHold

pytestmark = pytest.mark.django_db


def next_weekday(weekday: int, weeks: int = 1) -> dt.date:
    """A day of the given weekday at least a week ahead (stores are open Tue–Sun 10–18)."""
    today = timezone.localdate()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), BUSINESS_TZ)


@pytest.fixture
def tuesday():
    return next_weekday(1)


@pytest.fixture
def booked(cast, tuesday):
    car = plated_vehicle(store=cast.store1)
    return appointment(car, starts_at=at(tuesday, 10), state="requested", hold=True)


def test_day_view_shows_slots_with_capacity_and_the_week(cast, as_alice, booked, tuesday):
    appointment(plated_vehicle(store=cast.store2), starts_at=at(tuesday, 10))  # another store
    response = as_alice.get("/appointments/", {"store": cast.store1.pk, "day": tuesday.isoformat()})
    assert response.status_code == 200
    slots = response.context["slots"]
    assert len(slots) == 8  # 10:00–18:00, hourly
    first, rows = slots[0]
    assert (first.booked, first.capacity, [a.pk for a in rows]) == (1, 2, [booked.pk])
    assert dict(response.context["week"])[tuesday] == 1


def test_closed_day_and_bad_input(cast, as_alice, tuesday):
    monday = tuesday - dt.timedelta(days=1)
    response = as_alice.get("/appointments/", {"store": cast.store1.pk, "day": monday.isoformat()})
    assert response.context["slots"] == []
    assert as_alice.get("/appointments/", {"day": "not-a-date"}).status_code == 200
    assert as_alice.get("/appointments/", {"store": "x"}).status_code == 404


def test_day_view_query_count_is_fixed(cast, as_alice, booked, tuesday, django_assert_num_queries):
    params = {"store": cast.store1.pk, "day": tuesday.isoformat()}
    as_alice.get("/appointments/", params)
    # session, user, stores, store, appointments, hours, rules, exceptions, bookings, week, twins
    with django_assert_num_queries(11):
        as_alice.get("/appointments/", params)
    for hour in (11, 12, 13, 14):
        appointment(plated_vehicle(store=cast.store1), starts_at=at(tuesday, hour))
    with django_assert_num_queries(11):
        as_alice.get("/appointments/", params)


def test_confirm_tells_the_owner(cast, as_bob, booked):
    response = as_bob.post(f"/appointments/{booked.pk}/confirm/")
    assert response.status_code == 302 and f"store={cast.store1.pk}" in response["Location"]
    booked.refresh_from_db()
    assert booked.state == AppointmentState.CONFIRMED
    assert Notice.objects.filter(kind=NoticeKind.APPOINTMENT, vehicle=booked.vehicle, stage="confirmed").exists()


def test_arrived_then_completed_and_an_early_no_show_is_refused(cast, as_alice, booked):
    no_show = as_alice.post(f"/appointments/{booked.pk}/no-show/", follow=True)
    assert [m.level_tag for m in no_show.context["messages"]] == ["error"]
    as_alice.post(f"/appointments/{booked.pk}/arrived/")
    # Completing asks what was done (tests/portal/test_service_records.py has the details).
    as_alice.post(f"/appointments/{booked.pk}/completed/", {
        "performed_on": timezone.localdate().strftime("%Y/%m/%d"), "store": cast.store1.pk, "items": ["engine_oil"]})
    booked.refresh_from_db()
    assert booked.state == AppointmentState.COMPLETED


def test_cancel_asks_first(cast, as_alice, booked):
    assert as_alice.get(f"/appointments/{booked.pk}/cancel/").status_code == 200
    booked.refresh_from_db()
    assert booked.state == AppointmentState.REQUESTED
    as_alice.post(f"/appointments/{booked.pk}/cancel/")
    booked.refresh_from_db()
    assert booked.state == AppointmentState.CANCELLED and not BayHold.objects.filter(appointment=booked).exists()


def test_propose_other_times(cast, as_alice, booked, tuesday):
    url = f"/appointments/{booked.pk}/propose/"
    bad = as_alice.post(url, {"first": f"{tuesday.isoformat()}T10:30"})  # not on the slot grid
    assert bad.status_code == 400 and bad.context["form"].non_field_errors()
    booked.refresh_from_db()
    assert booked.state == AppointmentState.REQUESTED  # nothing changed
    wednesday = tuesday + dt.timedelta(days=1)
    good = as_alice.post(url, {"first": f"{wednesday.isoformat()}T11:00", "second": f"{wednesday.isoformat()}T14:00"})
    assert good.status_code == 302
    booked.refresh_from_db()
    assert booked.state == AppointmentState.CANCELLED and len(booked.proposed_times) == 2


def test_appointments_are_scoped(cast, as_bob, as_carol, as_charlie, tuesday):
    other = appointment(plated_vehicle(store=cast.store2), starts_at=at(tuesday, 11), state="requested")
    for client in (as_bob, as_carol, as_charlie):
        assert client.post(f"/appointments/{other.pk}/confirm/").status_code == 404
        assert client.get(f"/appointments/{other.pk}/cancel/").status_code == 404
        assert client.get(f"/appointments/{other.pk}/propose/").status_code == 404
    assert as_bob.get("/appointments/", {"store": cast.store2.pk}).status_code == 404
    assert as_carol.get("/appointments/").status_code == 404
    other.refresh_from_db()
    assert other.state == AppointmentState.REQUESTED
