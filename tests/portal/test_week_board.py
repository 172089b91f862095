"""Issue 14 §2: the week board (bays × hours, bookings by state, closed days, occupancy), moving
a booking (the owner is told), phone bookings from an empty slot, and the month's load."""

from __future__ import annotations

import datetime as dt

import pytest

from dealers.models import CalendarException
from notifications.models import Notice
from notifications.services.appointment_notices import notice_attachments
from tests.portal.builders import appointment
from tests.portal.conftest import plated_vehicle
from tests.portal.test_appointments import at, next_weekday
from vehicles.models import Appointment, AppointmentState, BayHold, WorkCode
from vehicles.services.capacity import work_type_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def monday():
    return next_weekday(0)


def test_week_board_shows_bays_hours_states_closed_days_and_occupancy(cast, as_bob, monday, django_assert_max_num_queries):
    tuesday = monday + dt.timedelta(days=1)
    diagnosis = work_type_for(cast.company, WorkCode.DIAGNOSIS)
    car = plated_vehicle(store=cast.store1)
    long = appointment(car, starts_at=at(tuesday, 10), state="requested", hold=True, minutes=120, work_type=diagnosis)
    other = appointment(plated_vehicle(store=cast.store1, plate=("品川", "500", "あ", 77)), starts_at=at(tuesday, 10),
                        state="confirmed", hold=True)
    CalendarException.objects.create(store=cast.store1, starts_on=monday + dt.timedelta(days=3),
                                     ends_on=monday + dt.timedelta(days=3), note="棚卸し")
    params = {"store": cast.store1.pk, "week": tuesday.isoformat()}
    response = as_bob.get("/appointments/week/", params)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.monday == monday and board.days[0].day == monday
    assert not board.days[0].status.is_open and not board.days[3].status.is_open  # Monday rule, the exception
    tuesday_col = board.days[1]
    assert (tuesday_col.booked_minutes, tuesday_col.capacity_minutes) == (180, 8 * 60 * 2)
    ten = dict(board.rows)[dt.time(10)][1]
    eleven = dict(board.rows)[dt.time(11)][1]
    assert [c.appointment.pk for c in ten] == [long.pk, other.pk] and all(c.starts_here for c in ten)
    assert eleven[0].appointment.pk == long.pk and not eleven[0].starts_here and eleven[1].appointment is None
    html = response.content.decode()
    assert "棚卸し" in html and "休業" in html and "確定待ち" in html and "18.8%" in html  # 180 of 960 bay minutes
    assert f"/appointments/{long.pk}/confirm/" in html and f"/appointments/{long.pk}/move/" in html
    assert "/appointments/new/?store=" in html  # an empty slot books by phone
    for hour in (12, 13, 14):
        appointment(plated_vehicle(store=cast.store1), starts_at=at(tuesday, hour), hold=True)
    with django_assert_max_num_queries(12):
        as_bob.get("/appointments/week/", params)


def test_confirm_from_the_week_returns_to_the_week(cast, as_bob, monday):
    booked = appointment(plated_vehicle(store=cast.store1), starts_at=at(monday + dt.timedelta(days=1), 10),
                         state="requested", hold=True)
    response = as_bob.post(f"/appointments/{booked.pk}/confirm/", {"next": "week"})
    assert response.status_code == 302 and "/appointments/week/" in response["Location"]
    booked.refresh_from_db()
    assert booked.state == AppointmentState.CONFIRMED


def test_move_keeps_the_booking_moves_its_bay_time_and_tells_the_owner(cast, as_bob, monday):
    tuesday = monday + dt.timedelta(days=1)
    booked = appointment(plated_vehicle(store=cast.store1), starts_at=at(tuesday, 10), state="confirmed", hold=True)
    url = f"/appointments/{booked.pk}/move/"
    page = as_bob.get(url)
    assert page.status_code == 200 and page.context["form"].fields["picks"].choices
    blocker = appointment(plated_vehicle(store=cast.store1), starts_at=at(tuesday, 15), hold=True)
    appointment(plated_vehicle(store=cast.store1), starts_at=at(tuesday, 15), hold=True)  # 15:00 full
    refused = as_bob.post(url, {"typed": f"{tuesday.isoformat()}T15:00"})
    assert refused.status_code == 400
    booked.refresh_from_db()
    assert booked.starts_at == at(tuesday, 10) and blocker.pk
    moved = as_bob.post(url, {"typed": f"{tuesday.isoformat()}T14:00"})
    assert moved.status_code == 302
    booked.refresh_from_db()
    assert (booked.pk, booked.state, booked.starts_at) == (booked.pk, "confirmed", at(tuesday, 14))
    hold = BayHold.objects.get(appointment=booked)
    assert hold.during.lower == at(tuesday, 14)
    told = Notice.objects.get(vehicle=booked.vehicle, stage="moved")
    [(_name, content, _mime)] = notice_attachments(told)
    assert f"UID:appointment-{booked.pk}@" in content and "SEQUENCE:0" not in content


def test_phone_booking_from_an_empty_slot_finds_the_car_and_confirms(cast, as_bob, monday):
    tuesday = monday + dt.timedelta(days=1)
    car = plated_vehicle(store=cast.store1, plate=("品川", "330", "さ", 1234))
    start = at(tuesday, 11)
    base = {"store": cast.store1.pk, "at": start.isoformat()}
    found = as_bob.get("/appointments/new/", {**base, "q": "品川330さ1234"})
    assert [v.pk for v in found.context["found"]] == [car.pk]
    oil = work_type_for(cast.company, WorkCode.OIL)
    query = "&".join(f"{k}={v}" for k, v in base.items()).replace("+", "%2B")
    done = as_bob.post(f"/appointments/new/?{query}", {"vehicle": car.pk, "work_type": oil.pk, "note": "電話で予約"})
    assert done.status_code == 302 and "/appointments/week/" in done["Location"]
    booked = Appointment.objects.get(vehicle=car)
    assert (booked.state, booked.starts_at, booked.ends_at, booked.work_type) == ("confirmed", start, at(tuesday, 11) + dt.timedelta(minutes=30), oil)
    told = Notice.objects.get(vehicle=car, stage="confirmed")
    assert notice_attachments(told)  # the usual confirmation with its .ics
    again = as_bob.post(f"/appointments/new/?{query.replace('T11', 'T13')}", {"vehicle": car.pk, "work_type": oil.pk})
    assert again.status_code == 409 and f"#booking-{booked.pk}" in again.content.decode()  # one open oil change


def test_phone_booking_never_takes_another_time_silently_and_is_scoped(cast, as_bob, as_charlie, monday):
    tuesday = monday + dt.timedelta(days=1)
    for _ in range(2):
        appointment(plated_vehicle(store=cast.store1), starts_at=at(tuesday, 11), hold=True)
    car = plated_vehicle(store=cast.store1)
    query = f"store={cast.store1.pk}&at={at(tuesday, 11).isoformat().replace('+', '%2B')}"
    oil = work_type_for(cast.company, WorkCode.OIL)
    full = as_bob.post(f"/appointments/new/?{query}", {"vehicle": car.pk, "work_type": oil.pk})
    assert full.status_code == 409 and full.context["alternatives"]
    assert not Appointment.objects.filter(vehicle=car).exists()
    outsider = as_charlie.post(f"/appointments/new/?{query}", {"vehicle": car.pk, "work_type": oil.pk})
    assert outsider.status_code == 404
    assert as_bob.get("/appointments/new/", {"store": cast.store1.pk}).status_code == 404  # no time


def test_month_load_compares_booked_hours_with_capacity(cast, as_alice, monday):
    tuesday = monday + dt.timedelta(days=1)
    appointment(plated_vehicle(store=cast.store1), starts_at=at(tuesday, 10), hold=True, minutes=180)
    response = as_alice.get("/appointments/month/", {"store": cast.store1.pk, "month": tuesday.isoformat()})
    assert response.status_code == 200
    day = next(d for d in response.context["days"] if d.day == tuesday)
    assert (day.booked_hours, day.capacity_hours, round(day.share, 4)) == (3.0, 16.0, 0.1875)
    closed = next(d for d in response.context["days"] if d.day.weekday() == 0)
    assert closed.closed and closed.capacity_hours == 0
