"""Staff see e-mail bounces (issue 15 §1): on the vehicle page (its timeline fragment) and in
Today's list of addresses that stopped taking mail, each within their own scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import MailAddressState
from tests.portal.conftest import plated_vehicle

pytestmark = pytest.mark.django_db


def _undeliverable(car, *, days_ago=1, email=None):
    return MailAddressState.objects.create(
        company_id=car.company_id, customer=car.customer, email=email or car.customer.email,
        undeliverable_since=timezone.now() - dt.timedelta(days=days_ago), last_bounce_at=timezone.now(),
        last_diagnostic="5.1.1 smtp; 550 5.1.1 User unknown",
    )


def test_vehicle_page_shows_the_owners_address_bounced(cast, as_bob):
    car = plated_vehicle(store=cast.store1)
    car.customer.email = "gone@docomo.ne.jp"
    car.customer.save(update_fields=["email"])
    body = as_bob.get(f"/vehicles/{car.pk}/timeline/", HTTP_HX_REQUEST="true").content.decode()
    assert "gone@docomo.ne.jp" not in body  # never bounced: nothing shown
    _undeliverable(car)
    body = as_bob.get(f"/vehicles/{car.pk}/timeline/", HTTP_HX_REQUEST="true").content.decode()
    assert "gone@docomo.ne.jp" in body and "User unknown" in body and "メール" in body


def test_today_lists_undeliverable_addresses_in_scope_only(cast, as_bob, as_charlie):
    mine = plated_vehicle(store=cast.store1)
    mine.customer.email = "mine@example.jp"
    mine.customer.save(update_fields=["email"])
    _undeliverable(mine)
    other_store = plated_vehicle(store=cast.store2)
    other_store.customer.email = "store2@example.jp"
    other_store.customer.save(update_fields=["email"])
    _undeliverable(other_store)
    old = plated_vehicle(store=cast.store1)
    old.customer.email = "old@example.jp"
    old.customer.save(update_fields=["email"])
    _undeliverable(old, days_ago=45)
    changed = plated_vehicle(store=cast.store1)
    changed.customer.email = "new@example.jp"
    changed.customer.save(update_fields=["email"])
    _undeliverable(changed, email="was@example.jp")  # staff changed the address since: no longer listed
    board = as_bob.get("/today/").context["board"]
    assert [s.email for s in board.bounced.items] == ["mine@example.jp"]
    assert board.bounced.items[0].vehicle_id == mine.pk
    assert as_charlie.get("/today/").context["board"].bounced.total == 0
