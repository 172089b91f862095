"""Read side of the staff recall pages: campaigns in the caller's scope and their completion."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404

from dealers.models import User
from vehicles.models import RecallCampaign, RecallStatus
from vehicles.recall_selectors import StoreCompletion, recall_targets_for_staff


@dataclass
class CampaignOverview:
    campaign_id: int
    notification_number: str
    title: str
    kind_label: str
    published_on: object
    total: StoreCompletion
    stores: list[StoreCompletion] = field(default_factory=list)


def _completion(store_id, name, n, done, na) -> StoreCompletion:
    return StoreCompletion(store_id=store_id, store_name=name or "", targets=n, done=done, not_applicable=na)


def campaign_overviews(user: User) -> list[CampaignOverview]:
    """Every campaign with targets in the user's scope, with completion per registered store:
    one aggregate query grouped by campaign and store, nested here."""
    rows = (
        recall_targets_for_staff(user)
        .values("campaign_id", "vehicle__store_id", "vehicle__store__name")
        .annotate(
            n=Count("id"),
            done=Count("id", filter=Q(status=RecallStatus.DONE)),
            na=Count("id", filter=Q(status=RecallStatus.NOT_APPLICABLE)),
        )
        .order_by("campaign_id", "vehicle__store__name")
    )
    grouped: dict[int, list[StoreCompletion]] = {}
    for row in rows:
        grouped.setdefault(row["campaign_id"], []).append(
            _completion(row["vehicle__store_id"], row["vehicle__store__name"], row["n"], row["done"], row["na"])
        )
    campaigns = RecallCampaign.objects.filter(pk__in=list(grouped)).order_by("-published_on", "notification_number")
    overviews = []
    for c in campaigns:
        stores = grouped[c.pk]
        total = _completion(None, "", *(sum(getattr(s, a) for s in stores) for a in ("targets", "done", "not_applicable")))
        overviews.append(CampaignOverview(c.pk, c.notification_number, c.title, c.get_kind_display(), c.published_on, total, stores))
    return overviews


def campaign_get_for_staff(user: User, pk: object) -> RecallCampaign:
    """A campaign with at least one target in the user's scope; 404 otherwise."""
    try:
        return RecallCampaign.objects.filter(
            pk=pk, pk__in=recall_targets_for_staff(user).values("campaign_id")
        ).prefetch_related("ranges").get()
    except (RecallCampaign.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
