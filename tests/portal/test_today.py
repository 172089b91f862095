"""The Today page: each section with its scope, and a query count that ignores the data size."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from dealers.selectors.calendar import BUSINESS_TZ
from tests.portal.builders import appointment, followup, inquiry, notice, reply
from tests.portal.conftest import plated_vehicle
from vehicles.models import MaintenanceDue, MaintenanceItem
from vehicles.services.maintenance import menus_ensure

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), BUSINESS_TZ)


def _busy_store(store, n: int = 1):
    """n of everything the Today page lists, at `store`."""
    today = timezone.localdate()
    for i in range(n):
        car = plated_vehicle(store=store, shaken_expiry=today + dt.timedelta(days=10 + i % 15))
        appointment(car, starts_at=at(today, 23 - i % 2) if i % 2 else at(today + dt.timedelta(days=1), 10))
        appointment(car, starts_at=at(today + dt.timedelta(days=5), 11), state="requested")
        inquiry(car)
        reply(notice(car, send_on=today + dt.timedelta(days=i % 7), status="queued", deliveries={}))
        followup(car)


def test_root_goes_to_today(as_alice):
    response = as_alice.get("/")
    assert response.status_code == 302 and response["Location"] == "/today/"


def test_company_admin_sees_every_section(cast, as_alice):
    _busy_store(cast.store1, 2)
    _busy_store(cast.other_store, 1)  # company B: never shown
    board = as_alice.get("/today/").context["board"]
    assert board.followups.total == 2
    assert len(board.appointments_today) == 1 and len(board.appointments_tomorrow) == 1
    assert board.requested.total == 2 and board.inquiries.total == 2 and board.replies.total == 2
    assert sum(day.total for day in board.reminders) == 2
    assert board.lapsing.total == 2


def test_a_booked_shaken_is_not_listed_as_lapsing(cast, as_alice):
    today = timezone.localdate()
    booked = plated_vehicle(store=cast.store1, shaken_expiry=today + dt.timedelta(days=20))
    free = plated_vehicle(store=cast.store1, shaken_expiry=today + dt.timedelta(days=21))
    plated_vehicle(store=cast.store1, shaken_expiry=today + dt.timedelta(days=45))  # not yet
    appointment(booked, starts_at=at(today + dt.timedelta(days=7), 10), due_kind="shaken", due_event_date=booked.shaken_expiry)
    lapsing = as_alice.get("/today/").context["board"].lapsing
    assert [v.pk for v in lapsing.items] == [free.pk]


def test_overdue_inquiries_come_first(cast, as_alice):
    car = plated_vehicle(store=cast.store1)
    later = inquiry(car, due_at=timezone.now() + dt.timedelta(hours=5))
    overdue = inquiry(car, due_at=timezone.now() - dt.timedelta(hours=1))
    items = as_alice.get("/today/").context["board"].inquiries.items
    assert [q.pk for q in items] == [overdue.pk, later.pk]


def test_store_staff_see_their_store(cast, as_bob):
    _busy_store(cast.store1, 1)
    _busy_store(cast.store2, 2)
    board = as_bob.get("/today/").context["board"]
    assert board.followups.total == 1 and board.inquiries.total == 1 and board.lapsing.total == 1
    assert len(board.appointments) == 1


def test_overdue_follow_ups_come_first(cast, as_alice):
    car = plated_vehicle(store=cast.store1)
    later = followup(car, due_in=dt.timedelta(hours=2))
    overdue = followup(car, code="P0300", severity="see_dealer_soon", due_in=-dt.timedelta(minutes=10))
    items = as_alice.get("/today/").context["board"].followups.items
    assert [f.pk for f in items] == [overdue.pk, later.pk]


def test_call_center_sees_its_desks_follow_ups_only(cast, as_carol, as_charlie):
    _busy_store(cast.store1, 1)  # follow-ups assigned to the store: not the desk's
    followup(plated_vehicle(store=cast.store2), desk=cast.carol.desk)
    response = as_carol.get("/today/")
    board = response.context["board"]
    assert board.warnings_only and board.followups.total == 1
    assert board.inquiries.total == 0 and board.appointments == [] and board.lapsing.total == 0
    assert not re.search(r'href="/vehicles/\d+/"', response.content.decode())  # no vehicle pages for agents
    assert as_charlie.get("/today/").context["board"].followups.total == 0


def test_today_query_count_is_fixed(cast, as_alice, django_assert_num_queries):
    _busy_store(cast.store1, 1)
    as_alice.get("/today/")
    # session, user, follow-ups, appointments, requests, inquiries, replies, reminders, events, lapsing,
    # due by condition, e-mail bounces
    with django_assert_num_queries(12):
        as_alice.get("/today/")
    _busy_store(cast.store2, 6)
    with django_assert_num_queries(12):
        response = as_alice.get("/today/")
    assert response.context["board"].inquiries.total == 7


def test_full_lists_are_counted_apart_at_a_fixed_cost(cast, as_alice, django_assert_num_queries, monkeypatch):
    import notifications.selectors.today

    monkeypatch.setattr(notifications.selectors.today, "LIST_CAP", 3)
    _busy_store(cast.store1, 7)
    as_alice.get("/today/")
    # The twelve queries above, plus one count for each full list: follow-ups, requests,
    # inquiries, replies, lapsing.
    with django_assert_num_queries(17):
        board = as_alice.get("/today/").context["board"]
    assert len(board.inquiries.items) == 3 and board.inquiries.total == 7
    assert len(board.requested.items) == 3 and board.requested.total == 7
    assert len(board.lapsing.items) == 3 and board.lapsing.total == 7
    assert len(board.followups.items) == 3 and board.followups.total == 7
    assert len(board.replies.items) == 3 and board.replies.total == 7



def test_cars_due_by_condition_and_not_booked(cast, as_alice, as_bob):
    today = timezone.localdate()
    menus_ensure()
    oil = MaintenanceItem.objects.get(company=cast.store1.company, code="engine_oil")

    def due(car, days: int):
        MaintenanceDue.objects.create(vehicle=car, item=oil, due_on=today + dt.timedelta(days=days), basis="distance",
                                      due_km=15_000, anchor="record", anchor_on=today, anchor_km=0, refreshed_on=today)
        return car

    overdue = due(plated_vehicle(store=cast.store1), -3)
    soon = due(plated_vehicle(store=cast.store2), 20)
    due(plated_vehicle(store=cast.store1), 45)  # not yet
    booked = due(plated_vehicle(store=cast.store1), 10)
    appointment(booked, starts_at=at(today + dt.timedelta(days=7), 10))
    due(plated_vehicle(store=cast.other_store), 1)  # company B

    board = as_alice.get("/today/").context["board"]
    assert [v.pk for v in board.condition_due.items] == [overdue.pk, soon.pk]
    assert board.condition_due.items[0].maintenance_due_on == today - dt.timedelta(days=3)
    assert [v.pk for v in as_bob.get("/today/").context["board"].condition_due.items] == [overdue.pk]
