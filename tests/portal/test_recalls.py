"""Recall pages: completion per store, the store's targets, mark done / not applicable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dealers.models import AuditEntry
from tests.portal.builders import campaign, recall_target
from tests.portal.conftest import plated_vehicle
from vehicles.models import RecallStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def recall(cast):
    c = campaign(title="エアバッグ展開の不具合")
    targets = {
        "s1_open": recall_target(plated_vehicle(store=cast.store1), campaign_=c),
        "s1_done": recall_target(plated_vehicle(store=cast.store1), campaign_=c, status=RecallStatus.DONE,
                                 done_on=dt.date(2026, 4, 1), done_store=cast.store1),
        "s2_open": recall_target(plated_vehicle(store=cast.store2), campaign_=c),
        "b_open": recall_target(plated_vehicle(store=cast.other_store), campaign_=c),
    }
    return c, targets


def test_campaign_list_shows_completion_in_scope_and_the_campaign_page_per_store(cast, as_alice, as_bob, recall):
    c, _targets = recall
    overview = as_alice.get("/recalls/").context["overviews"][0]
    assert (overview.total.targets, overview.total.done) == (3, 1)  # company B's car not counted
    assert (as_bob.get("/recalls/").context["overviews"][0].total.targets) == 2  # his store's cars
    per_store = as_alice.get(f"/recalls/{c.pk}/").context["completion"]
    assert {s.store_name: (s.targets, s.done) for s in per_store} == {"品川店": (2, 1), "大井店": (1, 0)}
    assert [(s.store_name, s.targets) for s in as_bob.get(f"/recalls/{c.pk}/").context["completion"]] == [("品川店", 2)]


def test_campaign_list_query_count_is_fixed_however_many_campaigns(cast, as_alice, recall, django_assert_num_queries):
    as_alice.get("/recalls/")
    with django_assert_num_queries(5):  # session, user, campaign count, the page's campaigns, their completion
        as_alice.get("/recalls/")
    for _ in range(4):
        recall_target(plated_vehicle(store=cast.store2), campaign_=campaign())
    with django_assert_num_queries(5):
        response = as_alice.get("/recalls/")
    assert len(response.context["overviews"]) == 5


def test_campaign_list_pages_newest_first(cast, as_alice, monkeypatch):
    import vehicles.selectors.recalls

    monkeypatch.setattr(vehicles.selectors.recalls, "CAMPAIGNS_PER_PAGE", 2)
    for day in (1, 3, 2):
        recall_target(plated_vehicle(store=cast.store1), campaign_=campaign(published_on=dt.date(2026, 5, day)))
    first = as_alice.get("/recalls/")
    assert [o.published_on.day for o in first.context["overviews"]] == [3, 2]
    assert 'href="?page=2"' in first.content.decode()
    assert [o.published_on.day for o in as_alice.get("/recalls/?page=2").context["overviews"]] == [1]
    assert [o.published_on.day for o in as_alice.get("/recalls/?page=x").context["overviews"]] == [3, 2]  # not a 500


def test_campaign_targets_filter_by_status_and_store(cast, as_alice, recall):
    c, targets = recall
    page = as_alice.get(f"/recalls/{c.pk}/", {"status": "not_done"}).context["page"]
    assert {t.pk for t in page.items} == {targets["s1_open"].pk, targets["s2_open"].pk}
    page = as_alice.get(f"/recalls/{c.pk}/", {"store": cast.store2.pk}).context["page"]
    assert {t.pk for t in page.items} == {targets["s2_open"].pk}
    fragment = as_alice.get(f"/recalls/{c.pk}/", {"status": "done"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    assert {t.pk for t in fragment.context["page"].items} == {targets["s1_done"].pk}


def test_campaign_target_list_query_count(cast, as_alice, recall, django_assert_num_queries):
    c, _targets = recall
    as_alice.get(f"/recalls/{c.pk}/")
    # session, user, campaign, ranges, targets page, completion, store choices (count + list)
    with django_assert_num_queries(8):
        as_alice.get(f"/recalls/{c.pk}/")
    for _ in range(10):
        recall_target(plated_vehicle(store=cast.store1), campaign_=c)
    with django_assert_num_queries(8):
        response = as_alice.get(f"/recalls/{c.pk}/")
    assert len(response.context["page"].items) == 13


def test_mark_done_with_date_and_store(cast, as_bob, recall):
    _c, targets = recall
    target = targets["s1_open"]
    form = as_bob.get(f"/recalls/targets/{target.pk}/done/")
    assert form.status_code == 200 and form.context["form"].initial["store"] == cast.store1.pk
    response = as_bob.post(f"/recalls/targets/{target.pk}/done/",
                           {"done_on": "2026-05-01", "store": cast.store1.pk, "next": f"/vehicles/{target.vehicle_id}/"})
    assert response.status_code == 302 and response["Location"] == f"/vehicles/{target.vehicle_id}/"
    target.refresh_from_db()
    assert (target.status, target.done_on, target.done_store_id, target.marked_by_id) == (
        RecallStatus.DONE, dt.date(2026, 5, 1), cast.store1.pk, cast.bob.pk)
    assert AuditEntry.objects.filter(action="recall_target.done", target_id=str(target.pk)).exists()


def test_mark_done_errors_are_shown(cast, as_alice, as_bob, recall):
    _c, targets = recall
    url = f"/recalls/targets/{targets['s1_open'].pk}/done/"
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = as_alice.post(url, {"done_on": future, "store": cast.store1.pk})
    assert response.status_code == 400 and "done_on" in response.context["form"].errors
    response = as_alice.post(url, {"done_on": "2026-13-01", "store": cast.other_store.pk})
    assert response.status_code == 400 and {"done_on", "store"} <= set(response.context["form"].errors)
    response = as_bob.post(url, {"done_on": "2026-05-01", "store": cast.store2.pk})  # not bob's store
    assert response.status_code == 400 and "store" in response.context["form"].errors
    targets["s1_open"].refresh_from_db()
    assert targets["s1_open"].status == RecallStatus.NOT_DONE


def test_not_applicable_needs_a_reason_and_confirms(cast, as_alice, recall):
    _c, targets = recall
    url = f"/recalls/targets/{targets['s2_open'].pk}/not-applicable/"
    page = as_alice.get(url)
    assert page.status_code == 200 and "no more recall notices" in page.content.decode()
    assert as_alice.post(url, {"reason": "  "}).status_code == 400
    response = as_alice.post(url, {"reason": "部品交換済み（前所有者）", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == f"/recalls/{targets['s2_open'].campaign_id}/"
    targets["s2_open"].refresh_from_db()
    assert targets["s2_open"].status == RecallStatus.NOT_APPLICABLE and targets["s2_open"].note == "部品交換済み（前所有者）"


def test_recall_pages_are_scoped(cast, as_bob, as_carol, as_charlie, recall):
    c, targets = recall
    for url in (f"/recalls/targets/{targets['s2_open'].pk}/done/", f"/recalls/targets/{targets['s2_open'].pk}/not-applicable/"):
        assert as_bob.get(url).status_code == 404  # another store's car
        assert as_charlie.post(url, {"reason": "x", "done_on": "2026-05-01"}).status_code == 404
        assert as_carol.get(url).status_code == 404
    assert as_carol.get("/recalls/").status_code == 404
    assert as_carol.get(f"/recalls/{c.pk}/").status_code == 404
    other = campaign()
    recall_target(plated_vehicle(store=cast.other_store), campaign_=other)
    assert as_bob.get(f"/recalls/{other.pk}/").status_code == 404  # no target of ours
    targets["s2_open"].refresh_from_db()
    assert targets["s2_open"].status == RecallStatus.NOT_DONE


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source messages; Japanese is the default language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
