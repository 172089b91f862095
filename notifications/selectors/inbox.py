"""Read-side queries: the inboxes of the owner app and of the navigation unit.

A notice is in an inbox when its delivery on that channel was delivered (or read). The owner
sees notices addressed to them about cars they own now; the navi sees its own car's. Anything
else is a 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from dealers.models import User
from notifications.models import Channel, Delivery, DeliveryStatus

INBOX_VISIBLE = (DeliveryStatus.DELIVERED, DeliveryStatus.READ)


def _inbox(channel: str) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(channel=channel, status__in=INBOX_VISIBLE)
        .select_related("notice", "notice__vehicle", "notice__customer")
        .order_by("-id")
    )


def inbox_for_owner(user: User) -> QuerySet[Delivery]:
    if not user.is_authenticated or getattr(user, "pk", None) is None:
        return Delivery.objects.none()
    return _inbox(Channel.APP).filter(notice__customer__user=user, notice__vehicle__customer__user=user)


def inbox_for_vehicle(vehicle_id: int) -> QuerySet[Delivery]:
    return _inbox(Channel.NAVI).filter(notice__vehicle_id=vehicle_id)


def inbox_item_get(queryset: QuerySet[Delivery], notice_id: int | str) -> Delivery:
    """One notice of an inbox (by notice id), or 404."""
    try:
        return queryset.get(notice_id=notice_id)
    except (Delivery.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# The staff vehicle page's timeline (notices with delivery state, replies, appointments, …).
from notifications.selectors.timeline import TimelineEntry, vehicle_timeline  # noqa: E402, F401
