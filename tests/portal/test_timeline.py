"""The vehicle timeline: every source merged newest first, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Channel, DeliveryStatus
from notifications.selectors.inbox import vehicle_timeline
from tests.portal.builders import appointment, inquiry, notice, recall_target, reply
from tests.portal.conftest import plated_vehicle
from vehicles.models import VehicleWarning

pytestmark = pytest.mark.django_db


def _history(car, n: int = 1):
    for _ in range(n):
        sent = notice(car, deliveries={Channel.APP: DeliveryStatus.READ, Channel.NAVI: DeliveryStatus.WAITING,
                                       Channel.EMAIL: DeliveryStatus.DELIVERED})
        reply(sent)
        inquiry(car, notice_=sent)
        appointment(car, starts_at=timezone.now() + dt.timedelta(days=3), notice_=sent)
        VehicleWarning.objects.create(vehicle=car, code="P0300", kind="dtc", severity="see_dealer_soon",
                                      opened_at=timezone.now() - dt.timedelta(days=1), closed_at=timezone.now())
        recall_target(car, status="done", done_on=timezone.localdate(), done_store=car.store)


def test_timeline_merges_every_source_newest_first(cast):
    car = plated_vehicle(store=cast.store1)
    _history(car)
    entries = vehicle_timeline(car)
    assert {e.kind for e in entries} == {"notice", "reply", "inquiry", "appointment", "warning", "recall"}
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    shaken = next(e for e in entries if e.kind == "notice")
    assert {(c.channel, c.status) for c in shaken.channels} == {("app", "read"), ("navi", "waiting"), ("email", "delivered")}
    assert next(c for c in shaken.channels if c.channel == "app").read_at is not None
    assert shaken.due_on == car.shaken_expiry
    warnings = [e for e in entries if e.kind == "warning"]
    assert len(warnings) == 2 and warnings[0].at > warnings[1].at  # cleared, then opened


def test_timeline_queries_do_not_grow_with_history(cast, django_assert_num_queries):
    car = plated_vehicle(store=cast.store1)
    _history(car, 1)
    with django_assert_num_queries(9):
        few = vehicle_timeline(car)
    _history(car, 6)
    with django_assert_num_queries(9):
        many = vehicle_timeline(car)
    assert len(many) > len(few)


def test_timeline_is_capped(cast):
    car = plated_vehicle(store=cast.store1)
    for _ in range(5):
        notice(car)
    assert len(vehicle_timeline(car, limit=3)) == 3


def test_timeline_page_and_fragment_are_scoped(cast, as_alice, as_bob, as_charlie, as_carol):
    car = plated_vehicle(store=cast.store2)
    _history(car)
    url = f"/vehicles/{car.pk}/timeline/"
    page = as_alice.get(url)
    assert page.status_code == 200 and "<html" in page.content.decode()
    fragment = as_alice.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "来週の火曜 10時でお願いします" in fragment.content.decode()
    for outsider in (as_bob, as_charlie, as_carol):  # another store, another company, the call center
        assert outsider.get(url).status_code == 404
