"""Tenant scope of a logged-in user: which companies and stores it may see.

Every dealer-owned query is rooted in a scope from here; objects outside it are 404s.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from dealers.models import DealerCompany, Role, Store, User


@dataclass(frozen=True)
class StaffScope:
    company_ids: frozenset[int]
    store_id: int | None  # store staff are limited to one store
    warnings_only: bool  # call-center agents see warnings and follow-ups, nothing else

    def store_q(self, prefix: str = "") -> Q:
        """Filter for rows that belong to the scope through a store foreign key at `prefix`."""
        if self.store_id is not None:
            return Q(**{f"{prefix}id": self.store_id})
        return Q(**{f"{prefix}company_id__in": self.company_ids})


def staff_scope(user: User) -> StaffScope:
    """The scope of a dealer-side user; raises Http404 for anyone else (owners, anonymous)."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    if user.role == Role.COMPANY_ADMIN:
        assert user.company_id is not None  # check constraint user_role_has_its_tenant
        return StaffScope(frozenset({user.company_id}), None, False)
    if user.role == Role.STORE_STAFF:
        assert user.company_id is not None  # check constraint user_role_has_its_tenant
        return StaffScope(frozenset({user.company_id}), user.store_id, False)
    if user.role == Role.CALL_CENTER and user.desk is not None:
        ids = frozenset(user.desk.companies.values_list("id", flat=True))
        return StaffScope(ids, None, True)
    raise Http404


def stores_for(user: User) -> QuerySet[Store]:
    scope = staff_scope(user)
    return Store.objects.filter(scope.store_q()).select_related("company")


def store_get(user: User, pk: int) -> Store:
    try:
        return stores_for(user).get(pk=pk)
    except (Store.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def companies_for(user: User) -> QuerySet[DealerCompany]:
    return DealerCompany.objects.filter(id__in=staff_scope(user).company_ids)


def admin_company(user: User) -> DealerCompany:
    """The company a company admin manages; 404 for everyone else (staff pages)."""
    if not user.is_authenticated or not user.is_active or user.role != Role.COMPANY_ADMIN or user.company is None:
        raise Http404
    return user.company
