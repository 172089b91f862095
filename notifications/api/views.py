"""Inbox API: the owner app (`/me/inbox/`) and the navigation unit (`/dcm/inbox/`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.api.serializers import InboxItemOutSerializer
from notifications.selectors import inbox_for_owner, inbox_for_vehicle, inbox_item_get
from notifications.services.inbox import inbox_mark_read
from vehicles.api.permissions import IsOwner, IsVehicle


class InboxPagination(CursorPagination):
    ordering = "-id"
    page_size = 20


class _OwnerInbox:
    permission_classes = [IsOwner]

    def get_queryset(self):
        return inbox_for_owner(self.request.user)


class _VehicleInbox:
    permission_classes = [IsVehicle]

    def get_queryset(self):
        return inbox_for_vehicle(self.request.user.vehicle.pk)


class _InboxList(generics.ListAPIView):
    serializer_class = InboxItemOutSerializer
    pagination_class = InboxPagination


class _InboxItem(generics.RetrieveAPIView):
    serializer_class = InboxItemOutSerializer

    def get_object(self):
        return inbox_item_get(self.get_queryset(), self.kwargs["pk"])


class _InboxRead(APIView):
    @extend_schema(request=None, responses=InboxItemOutSerializer)
    def post(self, request, pk):
        delivery = inbox_mark_read(delivery=inbox_item_get(self.get_queryset(), pk))
        return Response(InboxItemOutSerializer(delivery).data)


class OwnerInboxListApi(_OwnerInbox, _InboxList):
    """The owner's notices (app channel) for their cars, newest first."""


class OwnerInboxItemApi(_OwnerInbox, _InboxItem):
    """One notice of the owner's inbox (id = notice id)."""


class OwnerInboxReadApi(_OwnerInbox, _InboxRead):
    """Mark a notice read in the app (idempotent)."""


class VehicleInboxListApi(_VehicleInbox, _InboxList):
    """The navigation unit's notices for this car, newest first."""


class VehicleInboxItemApi(_VehicleInbox, _InboxItem):
    """One notice of this car's navi inbox."""


class VehicleInboxReadApi(_VehicleInbox, _InboxRead):
    """Mark a notice read on the navigation unit (idempotent)."""
