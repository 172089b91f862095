"""Read-side queries of the dealers layer, rooted in the caller's company."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from dealers.models import Invitation, Role, User
from dealers.selectors.access import admin_company

STAFF_MANAGED_ROLES = (Role.COMPANY_ADMIN, Role.STORE_STAFF)


def staff_for_admin(admin: User) -> QuerySet[User]:
    """The company's own staff (company admins and store staff), active ones first."""
    company = admin_company(admin)
    return (
        User.objects.filter(company=company, role__in=STAFF_MANAGED_ROLES)
        .select_related("store")
        .order_by("-is_active", "store__code", "email")
    )


def staff_member_get(admin: User, user_id: int | str) -> User:
    try:
        return staff_for_admin(admin).get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def invitations_pending_for_admin(admin: User) -> QuerySet[Invitation]:
    """Invitations of the admin's company that can still be accepted."""
    company = admin_company(admin)
    return (
        Invitation.objects.filter(company=company, accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("store", "invited_by")
        .order_by("-created_at")
    )


def invitation_get_pending_for_admin(admin: User, invitation_id: int | str) -> Invitation:
    try:
        return invitations_pending_for_admin(admin).get(pk=invitation_id)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def invitation_get_by_token(token: str) -> Invitation | None:
    """The invitation behind an e-mailed link, whatever its state; None when unknown."""
    if not token or len(token) > 64:
        return None
    return Invitation.objects.select_related("company", "store").filter(token=token).first()


def invitation_is_open(invitation: Invitation) -> bool:
    return invitation.accepted_at is None and invitation.expires_at > timezone.now()
