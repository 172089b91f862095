"""Issue 16 point 1: when the held time differs from the time the owner asked for, the owner is
told plainly and staff see both; on the 30-minute and the hour grid.

Frozen "now": Tuesday 2026-03-03 11:00 JST (replies_helpers). Stores open 09:30–18:00 here, so
an hourly grid starts on the half hour (09:30, 10:30, …) as at the store that reported it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dealers.models import StoreHours
from notifications.services.render import notice_render
from tests.factories import StoreFactory
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

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(jst(TUESDAY, 11), tick=False)


def half_past_store(slot_minutes: int):
    store = StoreFactory(service_bays=1, slot_minutes=slot_minutes, with_hours=False)
    StoreHours.objects.bulk_create(
        StoreHours(store=store, weekday=wd, opens_at=dt.time(9, 30), closes_at=dt.time(18)) for wd in range(7)
    )
    return store


def busy(store, start: dt.datetime, minutes: int):
    """Another car holding the store's one bay from `start` for `minutes`."""
    from tests.portal.builders import appointment

    return appointment(owner_car(store, email="other@example.jp"), starts_at=start, minutes=minutes, hold=True)


def test_hour_grid_on_the_half_hour_takes_10_exactly_when_a_bay_is_free():
    car = owner_car(half_past_store(60))  # slots 09:30, 10:30, …: 10:00 is on another offset
    reply = process(receive(reminder(car), preferred=[at(WEDNESDAY, 10)], text="10時でお願いします"))
    assert reply.appointment.starts_at == jst(WEDNESDAY, 10) and reply.appointment.asked_at is None
    assert "空きがなく" not in notice_render(owner_notices(car)[0]).text


def test_hour_grid_holds_10_30_for_10_when_10_is_taken_and_says_so():
    store = half_past_store(60)
    busy(store, jst(WEDNESDAY, 9, 30), 60)  # the bay is busy 09:30–10:30
    car = owner_car(store)
    reply = process(receive(reminder(car), preferred=[at(WEDNESDAY, 10)], text="10時でお願いします"))
    appointment = reply.appointment
    assert appointment.starts_at == jst(WEDNESDAY, 10, 30) and appointment.asked_at == jst(WEDNESDAY, 10)
    [told] = owner_notices(car)
    assert "ご希望の10時は空きがなく、10時30分でお取りしました。" in notice_render(told).text
    assert told.context["appointment"]["asked_at"] == jst(WEDNESDAY, 10).isoformat()


def test_thirty_minute_grid_takes_14_15_exactly():
    car = owner_car(half_past_store(30))
    reply = process(receive(reminder(car), preferred=[at(WEDNESDAY, 14, 15)], text="14:15"))
    assert (reply.appointment.starts_at, reply.appointment.asked_at) == (jst(WEDNESDAY, 14, 15), None)


def test_thirty_minute_grid_holds_the_next_start_for_an_odd_time_and_english_says_so():
    car = owner_car(half_past_store(30), language="en")
    reply = process(receive(reminder(car), preferred=[at(WEDNESDAY, 14, 10)], text="14:10 please"))
    assert (reply.appointment.starts_at, reply.appointment.asked_at) == (jst(WEDNESDAY, 14, 30), jst(WEDNESDAY, 14, 10))
    assert "The 14:10 you asked for was not free, so we have held 14:30 for you." in notice_render(owner_notices(car)[0]).text


def test_a_window_or_part_of_day_asked_for_no_particular_start():
    from vehicles.parsing.preferences import PartOfDay, Preference

    car = owner_car(half_past_store(60))
    reply = process(receive(reminder(car), preferred=[Preference(WEDNESDAY, part=PartOfDay.MORNING)], text="午前中"))
    assert reply.appointment.starts_at == jst(WEDNESDAY, 9, 30) and reply.appointment.asked_at is None


def test_day_view_shows_asked_and_held_side_by_side(client):
    from tests.auth import login_staff
    from tests.factories import CompanyAdminFactory

    store = half_past_store(60)
    busy(store, jst(WEDNESDAY, 9, 30), 60)
    car = owner_car(store)
    process(receive(reminder(car), preferred=[at(WEDNESDAY, 10)], text="10時で"))
    login_staff(client, CompanyAdminFactory(company=store.company))
    html = client.get("/appointments/", {"store": store.pk, "day": WEDNESDAY.isoformat()}).content.decode()
    assert "ご希望 10時 → お取りした時間 10時30分" in html
