"""Serializers of the inbox and reply APIs (owner app and navigation unit).

Input and output of the reply API (app and navigation unit). Strict: unknown fields are
errors, so a client typo ("prefered") is a 400, not silently a reply without dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dealers.selectors.calendar import business_date
from notifications.models import Channel, Delivery, NoticeKind, Reply, ReplyIntent
from notifications.services.render import Rendered, notice_render
from vehicles.parsing.preferences import PartOfDay, Preference


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


MAX_DAYS_AHEAD = 365
MAX_TEXT = 2000


class _Strict(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class PreferredTimeInSerializer(_Strict):
    date = serializers.DateField(input_formats=["%Y-%m-%d"])
    part = serializers.ChoiceField(choices=[p.value for p in PartOfDay], required=False, allow_null=True)
    time = serializers.TimeField(required=False, allow_null=True, input_formats=["%H:%M"])

    def validate_date(self, value: dt.date) -> dt.date:
        today = business_date()
        if value < today:
            raise serializers.ValidationError(_("Choose today or a later date."))
        if value > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise serializers.ValidationError(_("Choose a date within a year."))
        return value

    def validate(self, attrs):
        if attrs.get("part") and attrs.get("time"):
            raise serializers.ValidationError({"time": [_("Give a time or a part of day, not both.")]})
        return attrs


class ReplyInSerializer(_Strict):
    intent = serializers.ChoiceField(choices=ReplyIntent.choices)
    # many=True hands max_length to the ListSerializer it builds; the stubs miss that.
    preferred = PreferredTimeInSerializer(many=True, required=False, max_length=3)  # type: ignore[call-arg]
    text = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)

    def validate(self, attrs):
        intent, preferred, text = attrs["intent"], attrs.get("preferred") or [], (attrs.get("text") or "").strip()
        if intent == ReplyIntent.ASK and not text:
            raise serializers.ValidationError({"text": [_("Write your question.")]})
        if intent in (ReplyIntent.ASK, ReplyIntent.CANCEL) and preferred:
            raise serializers.ValidationError({"preferred": [_("Preferred times go with a booking or a change only.")]})
        attrs["text"] = text
        return attrs

    def preferences(self) -> list[Preference]:
        return [
            Preference(date=item["date"], time=item.get("time"), part=PartOfDay(item["part"]) if item.get("part") else None)
            for item in self.validated_data.get("preferred") or []
        ]


class ReplyOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reply
        fields = ["id", "notice", "channel", "intent", "status", "received_at"]
        read_only_fields = fields
