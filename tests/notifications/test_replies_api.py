"""Reply API of the app and the navigation unit. Cast: alice (owner), bob (another owner of the
same store), staff, alice's car's navi. The worker's part is tested in test_replies_celery."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from notifications.models import Notice, NoticeStatus, Reply
from tests.factories import StoreFactory, StoreStaffFactory, UserFactory
from tests.notifications.replies_helpers import TUESDAY, WEDNESDAY, jst, owner_car, reminder
from vehicles.services.credentials import credential_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(jst(TUESDAY, 11), tick=False)


@pytest.fixture
def cast():
    store = StoreFactory()
    alice, bob = UserFactory(email="alice@example.jp"), UserFactory(email="bob@example.jp")
    alice_car = owner_car(store, user=alice, email="alice@example.jp")
    bob_car = owner_car(store, user=bob, email="bob@example.jp")
    return {
        "store": store, "alice": alice, "bob": bob, "alice_car": alice_car, "bob_car": bob_car,
        "alice_notice": reminder(alice_car), "bob_notice": Notice.objects.get(vehicle=bob_car, stage="m3"),
    }


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(notice, prefix: str = "me") -> str:
    return f"/api/v1/{prefix}/inbox/{notice.pk}/reply/"


BOOK = {"intent": "book", "preferred": [{"date": "2026-03-04", "part": "morning"}, {"date": "2026-03-05", "time": "14:00"}],
        "text": "よろしくお願いします"}


def test_owner_books_by_reply_and_gets_202_with_the_reply_id(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = api(cast["alice"]).post(url(cast["alice_notice"]), BOOK, format="json")
    assert response.status_code == 202
    reply = Reply.objects.get(pk=response.json()["id"])
    assert (reply.channel, reply.intent, reply.status, reply.notice) == ("app", "book", "received", cast["alice_notice"])
    assert reply.preferred == [
        {"date": "2026-03-04", "time": None, "part": "morning"}, {"date": "2026-03-05", "time": "14:00", "part": None}
    ]
    assert reply.sender_user == cast["alice"] and reply.vehicle == cast["alice_car"]
    assert len(queued) == 1  # the processing task, queued only after commit


def test_another_owners_notice_is_404_and_nothing_is_stored(cast):
    response = api(cast["alice"]).post(url(cast["bob_notice"]), BOOK, format="json")
    assert response.status_code == 404
    assert api(cast["alice"]).post("/api/v1/me/inbox/999999/reply/", BOOK, format="json").status_code == 404
    assert not Reply.objects.exists()


def test_anonymous_staff_and_vehicles_cannot_use_the_owner_path(cast):
    assert APIClient().post(url(cast["alice_notice"]), BOOK, format="json").status_code in (401, 403)
    staff = StoreStaffFactory(store=cast["store"])
    assert api(staff).post(url(cast["alice_notice"]), BOOK, format="json").status_code == 403
    token = credential_issue(vehicle=cast["alice_car"]).token
    navi = Client(headers={"Authorization": f"Vehicle {token}"})
    assert navi.post(url(cast["alice_notice"]), BOOK, content_type="application/json").status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"intent": "buy"}, "intent"),
        ({"preferred": []}, "intent"),
        ({"intent": "book", "preferred": [{"date": "2026-03-02"}]}, "preferred"),  # yesterday
        ({"intent": "book", "preferred": [{"date": "2027-03-10"}]}, "preferred"),  # more than a year ahead
        ({"intent": "book", "preferred": [{"date": "2026-03-04", "part": "noon"}]}, "preferred"),
        ({"intent": "book", "preferred": [{"date": "2026-03-04", "time": "25:00"}]}, "preferred"),
        ({"intent": "book", "preferred": [{"date": "2026-03-04", "time": "10:00", "part": "morning"}]}, "preferred"),
        ({"intent": "book", "preferred": [{"date": "4 March"}]}, "preferred"),
        ({"intent": "book", "preferred": [{"date": "2026-03-04", "room": 1}]}, "preferred"),
        ({"intent": "book", "preferred": [{"date": f"2026-03-0{d}"} for d in range(4, 8)]}, "preferred"),
        ({"intent": "book", "prefered": [{"date": "2026-03-04"}]}, "prefered"),
        ({"intent": "ask"}, "text"),
        ({"intent": "ask", "text": "   "}, "text"),
        ({"intent": "cancel", "preferred": [{"date": "2026-03-04"}]}, "preferred"),
        ({"intent": "ask", "text": "x" * 2001}, "text"),
    ],
)
def test_strict_validation_gives_field_messages(cast, body, field):
    response = api(cast["alice"]).post(url(cast["alice_notice"]), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Reply.objects.exists()


def test_idempotency_key_stores_one_reply(cast):
    client = api(cast["alice"])
    first = client.post(url(cast["alice_notice"]), BOOK, format="json", headers={"Idempotency-Key": "k-1"})
    again = client.post(url(cast["alice_notice"]), BOOK, format="json", headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 202 and first.json()["id"] == again.json()["id"]
    assert Reply.objects.count() == 1
    bad = client.post(url(cast["alice_notice"]), BOOK, format="json", headers={"Idempotency-Key": "no spaces"})
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()


def test_cancelled_and_expired_notices_take_no_reply(cast, time_machine):
    notice = cast["alice_notice"]
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.CANCELLED)
    response = api(cast["alice"]).post(url(notice), BOOK, format="json")
    assert response.status_code == 400 and "notice" in response.json()
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.SENT)
    time_machine.move_to(notice.created_at + dt.timedelta(days=181), tick=False)
    late = api(cast["alice"]).post(url(notice), {"intent": "ask", "text": "まだ予約できますか"}, format="json")
    assert late.status_code == 400 and "notice" in late.json()


def test_navi_replies_to_its_own_cars_notice_only(cast):
    token = credential_issue(vehicle=cast["alice_car"]).token
    navi = Client(headers={"Authorization": f"Vehicle {token}"})
    body = {"intent": "book", "preferred": [{"date": WEDNESDAY.isoformat(), "time": "10:00"}]}
    response = navi.post(url(cast["alice_notice"], "dcm"), body, content_type="application/json")
    assert response.status_code == 202
    assert Reply.objects.get(pk=response.json()["id"]).channel == "navi"
    other = navi.post(url(cast["bob_notice"], "dcm"), body, content_type="application/json")
    assert other.status_code == 404
    assert api(cast["alice"]).post(url(cast["alice_notice"], "dcm"), body, format="json").status_code in (401, 403)


def test_reply_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/me/inbox/{notice_id}/reply/" in schema["paths"]
    assert "/api/v1/dcm/inbox/{notice_id}/reply/" in schema["paths"]
    operation = schema["paths"]["/api/v1/me/inbox/{notice_id}/reply/"]["post"]
    assert "202" in operation["responses"]
    assert set(schema["components"]["schemas"]["ReplyInRequest"]["properties"]) == {"intent", "preferred", "text"}
