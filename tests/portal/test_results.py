"""Results: the funnel per notice kind and store, counted into day rows and summed by the page in
one query; its CSV export; the refresh that counts them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from notifications.models import Channel, DeliveryStatus, FunnelDay, MailBounce
from notifications.selectors.funnel import notice_funnel
from notifications.services.funnel import funnel_days_refresh, funnel_days_refresh_recent
from tests.portal.builders import appointment, notice, reply
from tests.portal.conftest import plated_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(cast):
    """Store 1: four shaken notices — one read, replied, booked and visited; one read and
    replied; one delivered whose e-mail bounced; one cancelled. Store 2: one recall notice delivered. B: one notice."""
    soon = timezone.now() + dt.timedelta(days=3)
    visited = notice(plated_vehicle(store=cast.store1), deliveries={Channel.APP: DeliveryStatus.READ, Channel.EMAIL: DeliveryStatus.DELIVERED})
    reply(visited)
    appointment(visited.vehicle, starts_at=soon, state="completed", notice_=visited)
    replied = notice(plated_vehicle(store=cast.store1), deliveries={Channel.NAVI: DeliveryStatus.READ})
    reply(replied, intent="ask")
    appointment(replied.vehicle, starts_at=soon, state="cancelled", notice_=replied)
    bounced = notice(plated_vehicle(store=cast.store1), deliveries={Channel.APP: DeliveryStatus.DELIVERED, Channel.EMAIL: DeliveryStatus.FAILED})
    MailBounce.objects.create(delivery=bounced.deliveries.get(channel=Channel.EMAIL), kind="hard", status="5.1.1", received_at=timezone.now(),
                              dedupe_key="results-test")
    notice(plated_vehicle(store=cast.store1), status="cancelled", deliveries={})
    notice(plated_vehicle(store=cast.store2), kind="recall", stage="r0")
    notice(plated_vehicle(store=cast.other_store))
    funnel_days_refresh_recent()


def steps(row) -> tuple:
    return tuple(n for _step, _label, n in row.steps())


def test_funnel_counts_each_step(cast, history):
    today = timezone.localdate()
    rows = notice_funnel(cast.alice, date_from=today - dt.timedelta(days=1), date_to=today)
    by_key = {(r.kind, r.store_name): steps(r) for r in rows}
    assert by_key == {("shaken", "品川店"): (3, 3, 2, 2, 1, 1, 1), ("recall", "大井店"): (1, 1, 0, 0, 0, 0, 0)}


def test_funnel_is_one_query_and_scoped(cast, history, django_assert_num_queries):
    today = timezone.localdate()
    with django_assert_num_queries(1):
        rows = notice_funnel(cast.bob, date_from=today, date_to=today)
    assert [(r.kind, r.store_name) for r in rows] == [("shaken", "品川店")]
    assert [r.store_name for r in notice_funnel(cast.charlie, date_from=today, date_to=today)] == ["横浜店"]
    assert notice_funnel(cast.carol, date_from=today, date_to=today) == []
    assert notice_funnel(cast.alice, date_from=today - dt.timedelta(days=9), date_to=today - dt.timedelta(days=1)) == []


def test_results_page_renders_bars_with_numbers(cast, as_alice, history):
    response = as_alice.get("/results/", {"kind": "shaken"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="bar-fill step-visited" style="width:33.3%"' in body
    assert [t.kind for t in response.context["totals"]] == ["shaken"]


def test_results_page_query_count(cast, as_alice, history, django_assert_num_queries):
    as_alice.get("/results/")
    with django_assert_num_queries(4):  # session, user, funnel, store choices
        as_alice.get("/results/")


def test_bad_period_is_a_form_error(cast, as_alice):
    response = as_alice.get("/results/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 400 and "date_to" in response.context["form"].errors
    assert as_alice.get("/results/funnel.csv", {"date_from": "2020-01-01", "date_to": "2026-01-01"}).status_code == 400


def test_csv_export_streams_the_rows(cast, as_alice, history):
    response = as_alice.get("/results/funnel.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3 and rows[0][0] and [r[2:] for r in rows[1:]] == [["1", "1", "0", "0", "0", "0", "0"], ["3", "3", "2", "2", "1", "1", "1"]]


def test_results_are_not_for_the_call_center(as_carol):
    assert as_carol.get("/results/").status_code == 404
    assert as_carol.get("/results/funnel.csv").status_code == 404


def test_the_page_says_when_its_figures_were_counted(cast, as_alice, history):
    response = as_alice.get("/results/")
    assert response.context["refreshed_at"] is not None
    assert "集計" in response.content.decode()  # 「… 集計（10分ごとに更新）」


def test_a_refresh_recounts_what_changed_since_and_is_idempotent(cast, history):
    today = timezone.localdate()
    before = {(r.kind, r.store_name): steps(r) for r in notice_funnel(cast.alice, date_from=today, date_to=today)}
    assert funnel_days_refresh_recent() == funnel_days_refresh_recent() == FunnelDay.objects.count() == 3
    assert {(r.kind, r.store_name): steps(r) for r in notice_funnel(cast.alice, date_from=today, date_to=today)} == before
    # A late reply and booking on the delivered notice; a car that moved to the other store.
    late = notice(plated_vehicle(store=cast.store1), deliveries={Channel.APP: DeliveryStatus.DELIVERED})
    reply(late)
    appointment(late.vehicle, starts_at=timezone.now() + dt.timedelta(days=2), state="confirmed", notice_=late)
    moved = notice(plated_vehicle(store=cast.store1), kind="recall", stage="r0")
    moved.vehicle.store = cast.store2
    moved.vehicle.save()
    assert {(r.kind, r.store_name): steps(r) for r in notice_funnel(cast.alice, date_from=today, date_to=today)} == before
    funnel_days_refresh(since=today, until=today)
    after = {(r.kind, r.store_name): steps(r) for r in notice_funnel(cast.alice, date_from=today, date_to=today)}
    assert after == {("shaken", "品川店"): (4, 4, 2, 3, 2, 1, 1), ("recall", "大井店"): (2, 2, 0, 0, 0, 0, 0)}


def test_a_refresh_leaves_other_days_alone(cast, history):
    today = timezone.localdate()
    FunnelDay.objects.update(send_on=today - dt.timedelta(days=400))  # counted long ago, out of the window
    funnel_days_refresh_recent()
    assert FunnelDay.objects.filter(send_on=today - dt.timedelta(days=400)).count() == 3
    assert FunnelDay.objects.filter(send_on=today).count() == 3



def test_the_beat_tasks_count_the_recent_days_and_the_year(cast, history):
    from notifications.tasks import refresh_funnel_recent, refresh_funnel_year

    assert refresh_funnel_recent() == {"rows": 3} and refresh_funnel_year() == {"rows": 3}
