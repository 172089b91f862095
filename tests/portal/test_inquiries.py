"""Inquiry pages: the queue (most urgent first), answering with optional visit times, closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import InquiryStatus, Notice, NoticeKind
from tests.portal.builders import inquiry
from tests.portal.conftest import plated_vehicle

pytestmark = pytest.mark.django_db


def test_queue_is_most_urgent_first_and_scoped(cast, as_alice, as_bob):
    car1, car2 = plated_vehicle(store=cast.store1), plated_vehicle(store=cast.store2)
    later = inquiry(car1, due_at=timezone.now() + dt.timedelta(hours=3))
    overdue = inquiry(car2, due_at=timezone.now() - dt.timedelta(hours=1))
    inquiry(car1, status="answered")
    assert [q.pk for q in as_alice.get("/inquiries/").context["page"].items] == [overdue.pk, later.pk]
    assert [q.pk for q in as_bob.get("/inquiries/").context["page"].items] == [later.pk]
    assert len(as_alice.get("/inquiries/", {"status": "answered"}).context["page"].items) == 1


def test_queue_query_count(cast, as_alice, django_assert_num_queries):
    car = plated_vehicle(store=cast.store1)
    inquiry(car)
    as_alice.get("/inquiries/")
    with django_assert_num_queries(3):  # session, user, the page of inquiries
        as_alice.get("/inquiries/")
    for _ in range(8):
        inquiry(plated_vehicle(store=cast.store2))
    with django_assert_num_queries(3):
        assert len(as_alice.get("/inquiries/").context["page"].items) == 9


def test_answer_reaches_the_owner(cast, as_bob):
    q = inquiry(plated_vehicle(store=cast.store1), question="代車はありますか？")
    page = as_bob.get(f"/inquiries/{q.pk}/")
    assert page.status_code == 200 and "代車はありますか？" in page.content.decode()
    assert as_bob.post(f"/inquiries/{q.pk}/", {"answer": "  "}).status_code == 400
    response = as_bob.post(f"/inquiries/{q.pk}/", {"answer": "はい、ご用意できます。"})
    assert response.status_code == 302
    q.refresh_from_db()
    assert (q.status, q.answer, q.answered_by_id) == (InquiryStatus.ANSWERED, "はい、ご用意できます。", cast.bob.pk)
    assert Notice.objects.filter(kind=NoticeKind.INQUIRY_ANSWER, source_id=q.pk).exists()
    again = as_bob.post(f"/inquiries/{q.pk}/", {"answer": "もう一度"})
    assert again.status_code == 400 and again.context["form"].non_field_errors()


def test_close_without_answer(cast, as_alice):
    q = inquiry(plated_vehicle(store=cast.store1))
    assert as_alice.post(f"/inquiries/{q.pk}/close/").status_code == 302
    q.refresh_from_db()
    assert q.status == InquiryStatus.CLOSED


def test_inquiries_are_scoped(cast, as_bob, as_carol, as_charlie):
    q = inquiry(plated_vehicle(store=cast.store2))
    for client in (as_bob, as_carol, as_charlie):
        assert client.get(f"/inquiries/{q.pk}/").status_code == 404
        assert client.post(f"/inquiries/{q.pk}/", {"answer": "x"}).status_code == 404
        assert client.post(f"/inquiries/{q.pk}/close/").status_code == 404
    assert as_carol.get("/inquiries/").status_code == 404
    q.refresh_from_db()
    assert q.status == InquiryStatus.OPEN
