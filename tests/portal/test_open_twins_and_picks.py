"""Issue 16 point 3 (second half): a second open booking of one car for the same purpose is
pointed out on the day view with a link to the first, and a follow-up cannot book a second one;
point 15: proposing another time offers the free times to pick."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.portal.builders import appointment, followup
from tests.portal.conftest import plated_vehicle
from tests.portal.test_appointments import at, next_weekday
from vehicles.models import Appointment, AppointmentState

pytestmark = pytest.mark.django_db


@pytest.fixture
def tuesday():
    return next_weekday(1)


def test_two_open_bookings_of_one_car_for_the_same_purpose_are_flagged_with_a_link(cast, as_bob, tuesday):
    car = plated_vehicle(store=cast.store1)
    first = appointment(car, starts_at=at(tuesday, 10), state="requested", hold=True)
    wednesday = tuesday + dt.timedelta(days=1)
    second = appointment(car, starts_at=at(wednesday, 11), state="requested", hold=True)
    other_purpose = appointment(car, starts_at=at(wednesday, 14), state="requested", due_kind="shaken",
                                due_event_date=dt.date(2027, 5, 31), hold=True)
    response = as_bob.get("/appointments/", {"store": cast.store1.pk, "day": wednesday.isoformat()})
    html = response.content.decode()
    twins = response.context["twins"]
    assert twins[second.pk].pk == first.pk and other_purpose.pk not in twins
    assert "この車の同じ用件の予約がもう一件あります" in html
    assert f"day={tuesday.isoformat()}#appointment-{first.pk}" in html
    # Once the first is cancelled, nothing is flagged.
    Appointment.objects.filter(pk=first.pk).update(state=AppointmentState.CANCELLED)
    assert not as_bob.get("/appointments/", {"store": cast.store1.pk, "day": wednesday.isoformat()}).context["twins"]


def test_a_followup_refuses_a_second_open_visit_and_links_the_first(cast, as_bob, tuesday):
    from vehicles.models import WorkCode
    from vehicles.services.capacity import work_type_for

    car = plated_vehicle(store=cast.store1)
    diagnosis = work_type_for(cast.company, WorkCode.DIAGNOSIS)
    first = appointment(car, starts_at=at(tuesday, 10), state="requested", hold=True, work_type=diagnosis)
    case = followup(car)
    day = tuesday + dt.timedelta(days=1)
    response = as_bob.post(f"/vehicles/followups/{case.pk}/book/", {"day": day.isoformat(), "time": "14:00"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "この車にはすでに受付中の予約があります" in html and f"#appointment-{first.pk}" in html
    assert Appointment.objects.filter(vehicle=car).count() == 1


def test_propose_offers_free_times_to_pick(cast, as_bob, tuesday):
    car = plated_vehicle(store=cast.store1)
    booked = appointment(car, starts_at=at(tuesday, 10), state="requested", hold=True)
    url = f"/appointments/{booked.pk}/propose/"
    page = as_bob.get(url)
    offered = [value for value, _label in page.context["form"].fields["picks"].choices]
    assert len(offered) == 9 and offered[0] == at(tuesday, 10).isoformat()  # a bay is still free at 10:00
    assert f"{tuesday.month}月{tuesday.day}日" in page.content.decode()  # labelled in Japanese
    nothing = as_bob.post(url, {})
    assert nothing.status_code == 400 and "空いている時間を選ぶか" in nothing.content.decode()
    done = as_bob.post(url, {"picks": offered[1:3]})
    assert done.status_code == 302
    booked.refresh_from_db()
    assert booked.state == AppointmentState.CANCELLED
    assert booked.proposed_times == offered[1:3]
