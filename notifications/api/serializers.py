from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import Channel, Delivery, NoticeKind
from notifications.services.render import Rendered, notice_render


class InboxVehicleOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    car_name = serializers.CharField()
    plate = serializers.CharField(source="plate_display")


class InboxItemOutSerializer(serializers.Serializer):
    """One notice as the app / navi shows it (rendered in the owner's language)."""

    id = serializers.IntegerField(source="notice.id")
    kind = serializers.ChoiceField(choices=NoticeKind.choices, source="notice.kind")
    stage = serializers.CharField(source="notice.stage")
    category = serializers.CharField(source="notice.category")
    vehicle = InboxVehicleOutSerializer(source="notice.vehicle")
    event_date = serializers.DateField(source="notice.event_date")
    subject = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    delivered_at = serializers.DateTimeField()
    read = serializers.SerializerMethodField()
    read_at = serializers.DateTimeField(allow_null=True)

    def _rendered(self, delivery: Delivery) -> Rendered:
        # subject and body come from one rendering per item.
        cache: dict[int, Rendered] = self.__dict__.setdefault("_rendered_cache", {})
        if delivery.pk not in cache:
            cache[delivery.pk] = notice_render(delivery.notice, channel=delivery.channel or Channel.APP)
        return cache[delivery.pk]

    @extend_schema_field(serializers.CharField())
    def get_subject(self, delivery: Delivery) -> str:
        return self._rendered(delivery).subject

    @extend_schema_field(serializers.CharField())
    def get_body(self, delivery: Delivery) -> str:
        return self._rendered(delivery).text

    @extend_schema_field(serializers.BooleanField())
    def get_read(self, delivery: Delivery) -> bool:
        return delivery.read_at is not None
