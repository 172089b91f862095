"""Read side of the staff recall pages: campaigns in the caller's scope and their completion."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from dealers.models import User
from vehicles.models import RecallCampaign
from vehicles.recall_selectors import StoreCompletion, completion_counts, recall_targets_for_staff

CAMPAIGNS_PER_PAGE = 20


@dataclass
class CampaignOverview:
    campaign_id: int
    notification_number: str
    title: str
    kind_label: str
    published_on: object
    total: StoreCompletion


def _campaigns_in_scope(user: User) -> QuerySet[RecallCampaign]:
    """Campaigns with a target in the user's scope, newest first (one index probe each)."""
    in_scope = recall_targets_for_staff(user).filter(campaign=OuterRef("pk"))
    return RecallCampaign.objects.filter(Exists(in_scope)).order_by("-published_on", "notification_number", "id")


def campaign_overviews(user: User, page_number: int | str | None = 1) -> Page:
    """One page of campaigns with their completion in the user's scope (the company's, or the
    store's for store staff): the page's campaigns, then one aggregate over their targets'
    index. Per-store figures are on the campaign page. A page costs what its campaigns' targets
    cost, however many campaigns there are."""
    # Page[Any]: its object_list is swapped for the overviews below.
    page: Page[Any] = Paginator(_campaigns_in_scope(user), CAMPAIGNS_PER_PAGE).get_page(page_number)
    campaigns: list[RecallCampaign] = list(page.object_list)
    # Any rows: the plugin loses the keys of annotate(**completion_counts()).
    totals: dict[int, Mapping[str, Any]] = {
        row["campaign_id"]: row
        for row in recall_targets_for_staff(user).filter(campaign__in=[c.pk for c in campaigns])
        .values("campaign_id").annotate(**completion_counts()).order_by()
    }
    page.object_list = [
        CampaignOverview(
            c.pk, c.notification_number, c.title, c.get_kind_display(), c.published_on,
            _completion(None, "", totals[c.pk]["n"], totals[c.pk]["n_done"], totals[c.pk]["n_na"]),
        )
        for c in campaigns
    ]
    return page


def _completion(store_id, name, n, done, na) -> StoreCompletion:
    return StoreCompletion(store_id=store_id, store_name=name or "", targets=n, done=done, not_applicable=na)


def campaign_get_for_staff(user: User, pk: int | str) -> RecallCampaign:
    """A campaign with at least one target in the user's scope; 404 otherwise."""
    try:
        return _campaigns_in_scope(user).filter(pk=pk).prefetch_related("ranges").get()
    except (RecallCampaign.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
