"""Inbox API: the owner app (`/me/inbox/`) and the navigation unit (`/dcm/inbox/`)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from notifications.api.serializers import InboxItemOutSerializer
from notifications.models import Delivery
from notifications.selectors.inbox import inbox_for_owner, inbox_for_vehicle, inbox_item_get
from notifications.services.inbox import inbox_mark_read
from vehicles.api.permissions import IsOwner, IsVehicle


class InboxPagination(CursorPagination):
    ordering = "-id"
    page_size = 20


class _InboxList(generics.ListAPIView):
    serializer_class = InboxItemOutSerializer
    pagination_class = InboxPagination


class _InboxItem(generics.RetrieveAPIView):
    serializer_class = InboxItemOutSerializer

    def get_object(self) -> Delivery:
        return inbox_item_get(self.get_queryset(), self.kwargs["pk"])


class _InboxRead(generics.GenericAPIView):
    serializer_class = InboxItemOutSerializer

    @extend_schema(request=None, responses=InboxItemOutSerializer)
    def post(self, request, pk):
        delivery = inbox_mark_read(delivery=inbox_item_get(self.get_queryset(), pk))
        return Response(InboxItemOutSerializer(delivery).data)


def _owner_inbox(view) -> QuerySet[Delivery]:
    return inbox_for_owner(view.request.user)


def _vehicle_inbox(view) -> QuerySet[Delivery]:
    return inbox_for_vehicle(view.request.user.vehicle.pk)


class OwnerInboxListApi(_InboxList):
    """The owner's notices (app channel) for their cars, newest first."""

    permission_classes = [IsOwner]
    get_queryset = _owner_inbox


class OwnerInboxItemApi(_InboxItem):
    """One notice of the owner's inbox (id = notice id)."""

    permission_classes = [IsOwner]
    get_queryset = _owner_inbox


class OwnerInboxReadApi(_InboxRead):
    """Mark a notice read in the app (idempotent)."""

    permission_classes = [IsOwner]
    get_queryset = _owner_inbox


class VehicleInboxListApi(_InboxList):
    """The navigation unit's notices for this car, newest first."""

    permission_classes = [IsVehicle]
    get_queryset = _vehicle_inbox


class VehicleInboxItemApi(_InboxItem):
    """One notice of this car's navi inbox."""

    permission_classes = [IsVehicle]
    get_queryset = _vehicle_inbox


class VehicleInboxReadApi(_InboxRead):
    """Mark a notice read on the navigation unit (idempotent)."""

    permission_classes = [IsVehicle]
    get_queryset = _vehicle_inbox
