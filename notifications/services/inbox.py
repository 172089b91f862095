"""Inbox actions of the app and the navigation unit."""

from __future__ import annotations

from django.utils import timezone

from notifications.models import Delivery, DeliveryStatus


def inbox_mark_read(*, delivery: Delivery) -> Delivery:
    """Mark a delivered inbox message read; idempotent (the first read time is kept)."""
    now = timezone.now()
    if Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DELIVERED).update(status=DeliveryStatus.READ, read_at=now):
        delivery.status, delivery.read_at = DeliveryStatus.READ, now
    return delivery
