"""Inbox API of the owner app and the navigation unit: scope, read, pagination, query counts,
OpenAPI. Cast: alice (owner), bob (another owner of the same dealer), the navi of alice's car."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from notifications.models import Delivery, DeliveryStatus, Notice
from tests.auth import app_login
from tests.factories import StoreFactory, UserFactory
from tests.notifications.pipeline import connected_car, run
from vehicles.models import Equipment
from vehicles.services.credentials import credential_issue

pytestmark = pytest.mark.django_db
D = dt.date
INBOX = "/api/v1/me/inbox/"
NAVI = "/api/v1/dcm/inbox/"


@pytest.fixture
def cast():
    store = StoreFactory()
    alice, bob = UserFactory(email="alice@example.jp"), UserFactory(email="bob@example.jp")
    alice_car = connected_car(store=store, user=alice, expiry=D(2027, 5, 31), language="en")
    bob_car = connected_car(store=store, user=bob, expiry=D(2027, 5, 31))
    for day in ("2027-02-28", "2027-03-31"):
        run(day)
    return {"alice": alice, "bob": bob, "alice_car": alice_car, "bob_car": bob_car}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def navi(car) -> Client:
    token = credential_issue(vehicle=car).token
    return Client(headers={"Authorization": f"Vehicle {token}"})


def test_owner_lists_own_notices_newest_first_rendered_in_their_language(cast):
    response = api(cast["alice"]).get(INBOX)
    assert response.status_code == 200
    items = response.json()["results"]
    assert [i["stage"] for i in items] == ["window", "m3"]
    first = items[0]
    assert first["vehicle"]["id"] == cast["alice_car"].pk and first["kind"] == "shaken"
    assert "without losing validity" in first["subject"]
    assert "31 May 2027" in items[1]["subject"] and "31 May 2027" in first["body"]
    assert "reply to this message in the app" in first["body"]
    assert first["read"] is False and first["read_at"] is None and first["delivered_at"]
    assert first["event_date"] == "2027-05-31"


def test_other_owners_notices_are_404(cast):
    bobs = Notice.objects.get(vehicle=cast["bob_car"], stage="m3")
    client = api(cast["alice"])
    assert client.get(f"{INBOX}{bobs.pk}/").status_code == 404
    assert client.post(f"{INBOX}{bobs.pk}/read/").status_code == 404
    assert Delivery.objects.get(notice=bobs, channel="app").status == DeliveryStatus.DELIVERED
    assert client.get(f"{INBOX}999999/").status_code == 404


def test_read_marks_the_app_delivery_only_and_is_idempotent(cast):
    notice = Notice.objects.get(vehicle=cast["alice_car"], stage="m3")
    client = api(cast["alice"])
    first = client.post(f"{INBOX}{notice.pk}/read/")
    assert first.status_code == 200 and first.json()["read"] is True
    again = client.post(f"{INBOX}{notice.pk}/read/")
    assert again.json()["read_at"] == first.json()["read_at"]
    statuses = dict(Delivery.objects.filter(notice=notice).values_list("channel", "status"))
    assert statuses == {"app": "read", "navi": "delivered", "email": "queued"}
    assert client.get(f"{INBOX}{notice.pk}/").json()["read"] is True


def test_undelivered_and_other_channel_notices_are_not_in_the_app_inbox(cast):
    notice = Notice.objects.get(vehicle=cast["alice_car"], stage="window")
    Delivery.objects.filter(notice=notice, channel="app").update(status=DeliveryStatus.CANCELLED)
    assert [i["stage"] for i in api(cast["alice"]).get(INBOX).json()["results"]] == ["m3"]
    assert api(cast["alice"]).get(f"{INBOX}{notice.pk}/").status_code == 404


def test_a_sold_car_leaves_the_old_owners_inbox(cast):
    car = cast["alice_car"]
    car.customer = cast["bob_car"].customer
    car.save(update_fields=["customer"])
    assert api(cast["alice"]).get(INBOX).json()["results"] == []
    # ... and the new owner does not see the notices addressed to the previous one.
    assert {i["vehicle"]["id"] for i in api(cast["bob"]).get(INBOX).json()["results"]} == {cast["bob_car"].pk}


def test_anonymous_staff_and_vehicles_cannot_use_the_owner_inbox(cast):
    assert APIClient().get(INBOX).status_code in (401, 403)
    assert navi(cast["alice_car"]).get(INBOX).status_code == 403


def test_owner_inbox_with_the_real_app_token(cast):
    token = app_login(Client(), "alice@example.jp").json()["meta"]["session_token"]
    response = Client().get(INBOX, headers={"X-Session-Token": token})
    assert response.status_code == 200 and len(response.json()["results"]) == 2


def test_owner_inbox_query_count_does_not_grow(cast, django_assert_num_queries):
    client = api(cast["alice"])
    with django_assert_num_queries(1):
        client.get(INBOX)
    for day in ("2027-04-30", "2027-05-17", "2027-06-01"):
        run(day)
    with django_assert_num_queries(1):
        assert len(client.get(INBOX).json()["results"]) == 5


def test_owner_inbox_is_paginated(cast):
    for day in ("2027-04-30", "2027-05-17", "2027-06-01"):
        run(day)
    from notifications.api.inbox import InboxPagination

    client = api(cast["alice"])
    InboxPagination.page_size, original = 2, InboxPagination.page_size
    try:
        page = client.get(INBOX).json()
        seen = [i["stage"] for i in page["results"]]
        while page["next"]:
            page = client.get(page["next"]).json()
            seen += [i["stage"] for i in page["results"]]
    finally:
        InboxPagination.page_size = original
    assert seen == ["lapsed", "d14", "m1", "window", "m3"]


def test_navi_sees_only_its_own_navi_messages_and_marks_them_read(cast, django_assert_num_queries):
    client = navi(cast["alice_car"])
    items = client.get(NAVI).json()["results"]
    assert [i["stage"] for i in items] == ["window", "m3"]
    notice = Notice.objects.get(vehicle=cast["alice_car"], stage="m3")
    assert client.post(f"{NAVI}{notice.pk}/read/").json()["read"] is True
    assert Delivery.objects.get(notice=notice, channel="navi").status == DeliveryStatus.READ
    assert Delivery.objects.get(notice=notice, channel="app").status == DeliveryStatus.DELIVERED
    bobs = Notice.objects.get(vehicle=cast["bob_car"], stage="m3")
    assert client.get(f"{NAVI}{bobs.pk}/").status_code == 404
    assert client.post(f"{NAVI}{bobs.pk}/read/").status_code == 404
    # Credential lookup + the page.
    with django_assert_num_queries(2):
        client.get(NAVI)


def test_unpaired_navi_inbox_is_empty_and_dcm_only_has_none(cast):
    store = StoreFactory()
    unpaired = connected_car(store=store, paired=False, expiry=D(2027, 6, 30))
    dcm = connected_car(store=store, equipment=Equipment.DCM_ONLY, expiry=D(2027, 6, 30))
    run("2027-04-30")  # window of 06-30 expiries
    assert navi(unpaired).get(NAVI).json()["results"] == []
    assert navi(dcm).get(NAVI).json()["results"] == []
    assert Notice.objects.filter(vehicle=dcm).count() == 1


def test_owner_cannot_use_the_navi_inbox(cast):
    assert api(cast["alice"]).get(NAVI).status_code == 403


def test_inbox_endpoints_are_in_the_openapi_schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/me/inbox/", "/api/v1/me/inbox/{id}/", "/api/v1/me/inbox/{id}/read/",
                 "/api/v1/dcm/inbox/", "/api/v1/dcm/inbox/{id}/", "/api/v1/dcm/inbox/{id}/read/"):
        assert path in paths, path
    item = response.json()["components"]["schemas"]["InboxItemOut"]["properties"]
    assert {"subject", "body", "kind", "stage", "read", "vehicle"} <= set(item)
