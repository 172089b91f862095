"""POST /api/v1/dcm/telemetry/: a car uploads a batch of readings.

The serializers below document the format for OpenAPI only; validation is plain Python in
vehicles.parsing.telemetry (a serializer per reading would cost more than everything
else the endpoint does).
"""

from __future__ import annotations

import json

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from vehicles.api.dcm_auth import DcmCredentialAuthentication
from vehicles.api.permissions import IsVehicle
from vehicles.parsing.telemetry import (
    MAX_FUTURE,
    MAX_READINGS,
    ODOMETER_BACKWARD_TOLERANCE_KM,
    BatchInvalid,
    VinMismatch,
)
from vehicles.services.telemetry import telemetry_batch_ingest
from vehicles.services.warning_hooks import warnings_opened


class TelemetryReadingDoc(serializers.Serializer):
    recorded_at = serializers.DateTimeField(help_text="ISO 8601 with a UTC offset; at most 5 minutes ahead.")
    odometer_km = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2_000_000)
    battery_voltage = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=20)
    smart_key_battery = serializers.ChoiceField(["ok", "low", "unknown"], required=False, allow_null=True)
    oil_level = serializers.CharField(required=False, allow_null=True, help_text="ok, low, unknown or a percentage 0-100.")
    lamps = serializers.ListField(child=serializers.CharField(), required=False, help_text="Lamp codes on, e.g. mil, oil_pressure.")
    dtcs_stored = serializers.ListField(child=serializers.RegexField(r"^[PCBU][0-3][0-9A-F]{3}$"), required=False)
    dtcs_pending = serializers.ListField(child=serializers.RegexField(r"^[PCBU][0-3][0-9A-F]{3}$"), required=False)
    third_party_device = serializers.BooleanField(required=False)


TELEMETRY_LIMITS = (
    "Limits (a batch breaking one is refused whole with 400 and field messages; nothing is stored): "
    f"1 to {MAX_READINGS} readings per batch; `recorded_at` with a UTC offset, at most "
    f"{int(MAX_FUTURE.total_seconds() // 60)} minutes ahead of the server and not older than the telemetry "
    "retention (TELEMETRY_RETENTION_DAYS, 400 days by default); `message_id` 1-64 characters of "
    "`A-Za-z0-9._:-`, unique per car (a resend answers 200 with the first result); the "
    "times in a batch are distinct and, in time order, its odometer may not fall by more than "
    f"{ODOMETER_BACKWARD_TOLERANCE_KM} km; unknown fields are refused; "
    "`vin` 17 characters, and the car's own (else 409)."
)


class TelemetryBatchDoc(serializers.Serializer):
    message_id = serializers.RegexField(r"^[A-Za-z0-9._:-]{1,64}$", help_text="Unique per car; a resend is answered 200.")
    vin = serializers.RegexField(r"^[A-HJ-NPR-Z0-9]{17}$", required=False, help_text="VIN read from the car, if any.")
    readings = serializers.ListField(child=TelemetryReadingDoc(), min_length=1, max_length=MAX_READINGS)


class TelemetryResultDoc(serializers.Serializer):
    message_id = serializers.CharField()
    accepted = serializers.IntegerField()
    warnings_opened = serializers.ListField(child=serializers.CharField())
    warnings_closed = serializers.ListField(child=serializers.CharField())


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class _JsonBodyParser(JSONParser):
    """DRF's parser decodes through a codecs stream reader; reading the body once and decoding
    it in C is several times faster for a 25 kB batch. Equally strict: NaN/Infinity refused."""

    _decoder = json.JSONDecoder(parse_constant=_reject_constant)

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return self._decoder.decode(stream.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - {error}") from None


class _JsonOnly(BaseContentNegotiation):
    """JSON in, JSON out: nothing to negotiate, so no Accept-header parsing per batch."""

    def select_parser(self, request, parsers):
        return parsers[0] if request.content_type.startswith("application/json") else None  # else 415

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DcmTelemetryApi(APIView):
    """Store a batch of readings; 201 when new, 200 with the original result for a resend."""

    authentication_classes = [DcmCredentialAuthentication]  # the credential check in one raw query
    permission_classes = [IsVehicle]
    parser_classes = [_JsonBodyParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _JsonOnly

    @extend_schema(
        request=TelemetryBatchDoc,
        responses={
            201: TelemetryResultDoc,
            200: TelemetryResultDoc,
            400: OpenApiResponse(description="The batch breaks a limit or rule; the body names each field (nothing stored)."),
            409: OpenApiResponse(description="The batch's `vin` is not this credential's car: nothing stored, the dealer is told."),
            415: OpenApiResponse(description="Not `application/json`."),
        },
        description=TELEMETRY_LIMITS,
    )
    def post(self, request):
        try:
            result = telemetry_batch_ingest(vehicle=request.user.vehicle, data=request.data)
        except BatchInvalid as invalid:
            return Response(invalid.errors, status=status.HTTP_400_BAD_REQUEST)
        except VinMismatch as mismatch:
            return Response(mismatch.errors, status=status.HTTP_409_CONFLICT)
        if result.created and result.warnings_opened:  # e-Care: warning notices and follow-ups
            warnings_opened(vehicle_id=request.user.vehicle.pk)
        body = {
            "message_id": result.message_id,
            "accepted": result.accepted,
            "warnings_opened": result.warnings_opened,
            "warnings_closed": result.warnings_closed,
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
