"""Read-side queries for recalls: completion figures and targets within a staff scope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from dealers.access import staff_scope
from dealers.models import DealerCompany, User
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
