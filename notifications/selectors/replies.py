"""Read side of replies: which notice a caller may reply to, and the store's queues."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from dealers.models import Store, User
from dealers.selectors.access import staff_scope
from notifications.models import Inquiry, InquiryStatus, Notice, Reply


def notice_get_for_owner(user: User, notice_id: int | str) -> Notice:
    """A notice addressed to this app user about a car they still own; 404 otherwise
    (another owner's notice is indistinguishable from a missing one)."""
    if not user.is_authenticated or getattr(user, "pk", None) is None:
        raise Http404
    try:
        return Notice.objects.select_related("vehicle").get(
            pk=notice_id, customer__user=user, vehicle__customer__user=user
        )
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def notice_get_for_vehicle(vehicle_id: int, notice_id: int | str) -> Notice:
    """A notice about the calling car (navigation unit); 404 otherwise."""
    try:
        return Notice.objects.select_related("vehicle").get(pk=notice_id, vehicle_id=vehicle_id)
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _staff_stores(user: User) -> QuerySet[Store]:
    scope = staff_scope(user)
    if scope.warnings_only:
        return Store.objects.none()
    return Store.objects.filter(scope.store_q())


def inquiries_for_staff(user: User) -> QuerySet[Inquiry]:
    """Inquiries of the caller's stores, most urgent first (open queue: filter status=open)."""
    return Inquiry.objects.filter(store__in=_staff_stores(user)).select_related("vehicle", "customer", "store")


def inquiries_open_for_staff(user: User) -> QuerySet[Inquiry]:
    return inquiries_for_staff(user).filter(status=InquiryStatus.OPEN).order_by("due_at", "id")


def inquiry_get_for_staff(user: User, pk: int | str) -> Inquiry:
    try:
        return inquiries_for_staff(user).select_related("notice").get(pk=pk)
    except (Inquiry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def replies_for_staff(user: User) -> QuerySet[Reply]:
    """Replies about cars of the caller's stores (the car's current store), newest first."""
    return (
        Reply.objects.filter(vehicle__store__in=_staff_stores(user))
        .select_related("vehicle", "notice", "appointment", "inquiry")
        .order_by("-received_at", "-id")
    )
