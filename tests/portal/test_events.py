"""Event mail pages: compose, preview with the audience and the legal footer, schedule, send
progress, results, cancel; store staff limited to their store; other tenants get 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import DealerEvent, DealerEventStatus
from notifications.services.events import event_audience_recount, event_create, event_schedule, event_send
from tests.factories import CustomerFactory
from tests.portal.conftest import plated_vehicle
from vehicles.models import ConsentCategory
from vehicles.services.consent import consent_set

pytestmark = pytest.mark.django_db


def fan(store, *, marketing=True, model_code="ZVW30", prefecture="東京都"):
    customer = CustomerFactory(company=store.company, prefecture=prefecture, name="山田 花子")
    consent_set(customer=customer, category=ConsentCategory.MARKETING, granted=marketing, source="paper form at store")
    return plated_vehicle(store=store, customer=customer, model_code=model_code)


def compose(client, **fields):
    data = {"title": "夏の点検フェア", "body": "オイル交換が20%オフ。", "starts_on": "2026-07-01", "ends_on": "2026-07-31", **fields}
    return client.post("/events/new/", data)


@pytest.fixture
def draft(cast):
    return event_create(company=cast.company, actor=cast.alice, title="新型車展示会", body="ご来店ください。",
                        starts_on=dt.date(2026, 8, 1), ends_on=dt.date(2026, 8, 2), stores=[cast.store1])


def test_compose_saves_a_draft_and_shows_the_preview(cast, as_alice):
    fan(cast.store1)
    fan(cast.store2, model_code="MXAA54")
    fan(cast.store1, marketing=False)
    response = compose(as_alice, stores=[cast.store1.pk], audience_model_codes="ZVW30, MXAA54",
                       audience_prefectures="東京都　神奈川県")
    event = DealerEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/events/{event.pk}/"
    assert (event.status, event.audience_model_codes, event.audience_prefectures) == (
        DealerEventStatus.DRAFT, ["MXAA54", "ZVW30"], ["東京都", "神奈川県"])
    waiting = as_alice.get(response["Location"])
    assert waiting.context["preview"].audience is None  # counted by a task, never in the request
    assert "?part=audience" in waiting.content.decode()  # the figure's place polls for it
    event_audience_recount(event_id=event.pk)  # the task
    fragment = as_alice.get(response["Location"] + "?part=audience", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'id="audience-count">2<' in fragment.content.decode()
    page = as_alice.get(response["Location"])
    assert page.context["preview"].audience.count == 2  # the owner who refused marketing mail is not counted
    html = page.context["preview"].mail.html
    assert "夏の点検フェア" in html and cast.company.postal_address in html and "/optout/" in html
    assert page.context["preview"].mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_compose_errors_are_shown_per_field(cast, as_alice):
    response = compose(as_alice, title="", ends_on="2026-06-01", stores=[cast.other_store.pk])
    assert response.status_code == 400
    assert {"title", "stores"} <= set(response.context["form"].errors)
    response = compose(as_alice, ends_on="2026-06-01")
    assert response.status_code == 400 and "ends_on" in response.context["form"].errors
    assert not DealerEvent.objects.exists()


def test_store_staff_write_for_their_own_store_only(cast, as_bob):
    assert compose(as_bob, stores=[cast.store2.pk]).status_code == 400
    assert compose(as_bob, stores=[cast.store1.pk], audience_stores=[]).status_code == 302
    event = DealerEvent.objects.get()
    assert list(event.audience_stores.all()) == [cast.store1]  # never the whole company


def test_schedule_later_then_the_scan_sends_and_results_show(cast, as_alice, draft, django_capture_on_commit_callbacks):
    car = fan(cast.store1)
    fan(cast.store2)
    when = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks() as callbacks:
        response = as_alice.post(f"/events/{draft.pk}/schedule/", {"send_at": when})
    assert response.status_code == 302 and callbacks == []  # nothing queued before its time
    draft.refresh_from_db()
    assert draft.status == DealerEventStatus.SCHEDULED
    polling = as_alice.get(f"/events/{draft.pk}/", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 3s"' in polling.content.decode()
    assert event_send(event_id=draft.pk, now=draft.send_at + dt.timedelta(minutes=1)) == 2
    done = as_alice.get(f"/events/{draft.pk}/", headers={"HX-Request": "true"})
    assert "every 3s" not in done.content.decode() and done.context["result"].notices == 2
    consent_set(customer=car.customer, category=ConsentCategory.MARKETING, granted=False, source="one-click opt-out")
    rows = as_alice.get("/events/").context["rows"]
    assert rows[0][1].notices == 2 and rows[0][1].opted_out == 1


def test_send_now_queues_the_send_on_commit(cast, as_alice, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = as_alice.post(f"/events/{draft.pk}/schedule/", {"send_now": "on"})
    assert response.status_code == 302 and len(callbacks) == 1


def test_schedule_errors(cast, as_alice, draft):
    past = (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    for data in ({}, {"send_at": past}, {"send_at": "tomorrow"}):
        response = as_alice.post(f"/events/{draft.pk}/schedule/", data)
        assert response.status_code == 400 and "send_at" in response.context["schedule_form"].errors
    draft.refresh_from_db()
    assert draft.status == DealerEventStatus.DRAFT


def test_cancel_asks_then_cancels(cast, as_alice, draft):
    assert as_alice.get(f"/events/{draft.pk}/cancel/").status_code == 200
    draft.refresh_from_db()
    assert draft.status == DealerEventStatus.DRAFT  # the GET only asks
    first = as_alice.post(f"/events/{draft.pk}/cancel/", follow=True)
    assert [m.level_tag for m in first.context["messages"]] == ["success"]
    draft.refresh_from_db()
    assert draft.status == DealerEventStatus.CANCELLED
    again = as_alice.post(f"/events/{draft.pk}/cancel/", follow=True)
    assert [m.level_tag for m in again.context["messages"]] == ["error"]


def test_event_pages_are_scoped(cast, as_charlie, as_carol, as_bob, draft):
    for url in (f"/events/{draft.pk}/", f"/events/{draft.pk}/cancel/"):
        assert as_charlie.get(url).status_code == 404
        assert as_carol.get(url).status_code == 404
    assert as_charlie.post(f"/events/{draft.pk}/schedule/", {"send_now": "on"}).status_code == 404
    assert as_charlie.post(f"/events/{draft.pk}/cancel/").status_code == 404
    assert as_carol.get("/events/").status_code == 404 and as_carol.get("/events/new/").status_code == 404
    assert as_charlie.get("/events/").context["rows"] == []
    assert as_bob.get(f"/events/{draft.pk}/").status_code == 200  # the company's events
    draft.refresh_from_db()
    assert draft.status == DealerEventStatus.DRAFT


def test_event_list_query_count(cast, as_alice, django_assert_num_queries):
    fan(cast.store1)
    for n in range(2):
        event = event_create(company=cast.company, actor=cast.alice, title=f"フェア{n}", body="本文",
                             starts_on=dt.date(2026, 8, 1), ends_on=dt.date(2026, 8, 2))
        event_schedule(event=event, send_at=timezone.now() + dt.timedelta(hours=1), actor=None)
        event_send(event_id=event.pk, now=timezone.now() + dt.timedelta(hours=2))
    as_alice.get("/events/")
    with django_assert_num_queries(4):  # session, user, events, results aggregate
        as_alice.get("/events/")
