"""Read side of recalls within a staff scope: the campaigns of the recall pages, their
completion figures per store, and the targets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from dealers.models import DealerCompany, User
from dealers.selectors.access import staff_scope
from vehicles.models import RecallCampaign, RecallStatus, RecallTarget


@dataclass(frozen=True)
class StoreCompletion:
    """One store's figures; store_id None = vehicles without a registered store (or, without a
    company filter, chassis numbers not among our vehicles)."""

    store_id: int | None
    store_name: str
    targets: int
    done: int
    not_applicable: int

    @property
    def not_done(self) -> int:
        return self.targets - self.done - self.not_applicable

    @property
    def rate(self) -> float | None:
        """done / (targets − not applicable); None when nothing is applicable."""
        applicable = self.targets - self.not_applicable
        return self.done / applicable if applicable else None


def completion_counts() -> dict:
    """The three counts of a completion figure, as aggregate expressions."""
    return {
        "n": Count("id"),
        "n_done": Count("id", filter=Q(status=RecallStatus.DONE)),
        "n_na": Count("id", filter=Q(status=RecallStatus.NOT_APPLICABLE)),
    }


def recall_completion(
    campaign: RecallCampaign, *, company: DealerCompany | int | None = None, store_id: int | None = None
) -> list[StoreCompletion]:
    """Completion per registered store of the target vehicles, in one aggregate query over the
    targets' own company/store columns (kept by triggers: see RecallTarget)."""
    targets = RecallTarget.objects.filter(campaign=campaign)
    if company is not None:
        targets = targets.filter(company=company)
    if store_id is not None:
        targets = targets.filter(store_id=store_id)
    # Any rows: the plugin loses the keys of annotate(**completion_counts()).
    rows: Iterable[Mapping[str, Any]] = (
        targets.values("store_id", "store__name").annotate(**completion_counts()).order_by("store__name", "store_id")
    )
    return [
        StoreCompletion(
            store_id=row["store_id"],
            store_name=row["store__name"] or "",
            targets=row["n"],
            done=row["n_done"],
            not_applicable=row["n_na"],
        )
        for row in rows
    ]


def recall_targets_for_staff(user: User) -> QuerySet[RecallTarget]:
    """Targets whose vehicle the user may see (company, or the store for store staff)."""
    scope = staff_scope(user)
    if scope.warnings_only:  # call-center agents handle warnings, not recalls
        return RecallTarget.objects.none()
    qs = RecallTarget.objects.filter(company_id__in=scope.company_ids)
    if scope.store_id is not None:
        qs = qs.filter(store_id=scope.store_id)
    return qs


def recall_target_get_for_staff(user: User, pk: int | str) -> RecallTarget:
    try:
        return recall_targets_for_staff(user).select_related("campaign", "vehicle", "done_store").get(pk=pk)
    except (RecallTarget.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


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


def recall_labour_minutes(*, vehicle_id: int, became_target_on) -> int | None:
    """The labour time of the campaign whose open target this due event is (a recall notice's
    kind + event date: the day the car became a target), when its file gave one."""
    return (
        RecallTarget.objects.filter(vehicle_id=vehicle_id, became_target_on=became_target_on, status=RecallStatus.NOT_DONE,
                                    campaign__labour_minutes__isnull=False)
        .order_by("-campaign__labour_minutes")
        .values_list("campaign__labour_minutes", flat=True)
        .first()
    )
