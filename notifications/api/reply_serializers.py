"""Input and output of the reply API (app and navigation unit). Strict: unknown fields are
errors, so a client typo ("prefered") is a 400, not silently a reply without dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dealers.calendar import business_date
from notifications.models import Reply, ReplyIntent
from vehicles.preferences import PartOfDay, Preference

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
