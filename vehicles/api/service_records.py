"""The owner app's service history (整備記録) of one of their own cars, newest first.

What the owner sees of a visit: the day, the store, the odometer and the work (labels in the
language of the request), and for a shaken the expiry it gave. Not who recorded it, nor notes
(staff's own words). Another owner's car, or a car of nobody's: 404.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from vehicles.api.permissions import IsOwner
from vehicles.models import ServiceItem, ServiceRecord, ServiceRecordItem, Vehicle
from vehicles.selectors.service_records import service_history
from vehicles.selectors.vehicles import vehicles_for_owner


class ServiceItemOut(serializers.Serializer):
    item = serializers.ChoiceField(ServiceItem.values)
    name = serializers.SerializerMethodField(help_text="The item as the owner reads it, in the language of the request.")
    recall_notification_number = serializers.CharField(source="recall_campaign.notification_number", default=None,
                                                       allow_null=True)  # fmt: skip

    def get_name(self, item: ServiceRecordItem) -> str:
        return item.label or str(item.get_item_display())


class ServiceRecordOut(serializers.Serializer):
    id = serializers.IntegerField()
    performed_on = serializers.DateField()
    store_name = serializers.CharField(source="store.name")
    odometer_km = serializers.IntegerField(allow_null=True)
    items = ServiceItemOut(many=True)
    shaken_expiry = serializers.SerializerMethodField(help_text="For a shaken that moved the car's expiry: the new expiry.")

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_shaken_expiry(self, record: ServiceRecord):
        return record.shaken_expiry_computed.isoformat() if record.shaken_expiry_applied and record.shaken_expiry_computed else None


def _owner_vehicle(user, pk) -> Vehicle:
    vehicle = vehicles_for_owner(user).filter(pk=pk).first()
    if vehicle is None:
        raise Http404
    return vehicle


class OwnerServiceHistoryApi(APIView):
    """Service history of one of the app user's own cars, newest first (another car: 404)."""

    permission_classes = [IsOwner]

    @extend_schema(responses=ServiceRecordOut(many=True))
    def get(self, request, pk: int):
        return Response(ServiceRecordOut(service_history(_owner_vehicle(request.user, pk)), many=True).data)
