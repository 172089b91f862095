"""Health check report of a car: the owner app (own cars only) and the staff API.

The staff variant adds the OBD check flags (dealer-only, domain §2); the owner variant never
carries them. Both are 404 for a car outside the caller's reach.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from vehicles.api.permissions import IsDealerStaff, IsOwner
from vehicles.models import Vehicle
from vehicles.selectors.health import HealthReport, health_report
from vehicles.selectors.obd import obd_check_flags
from vehicles.selectors.vehicles import vehicle_get_for_followup, vehicles_for_owner

_SEVERITIES = ["stop_now", "see_dealer_soon", "info"]


class WarningSummaryOut(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.ChoiceField(["dtc", "lamp", "third_party_device"])
    severity = serializers.ChoiceField(_SEVERITIES)
    description = serializers.CharField()
    advice = serializers.CharField(help_text="What to do, in the language of the request.")
    opened_at = serializers.DateTimeField()


class BatteryOut(serializers.Serializer):
    status = serializers.ChoiceField(["good", "weak", "replace", "unknown"])
    resting_voltage = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    latest_voltage = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    change_per_30_days = serializers.FloatField(allow_null=True, help_text="Volts per 30 days (negative: falling).")
    readings_used = serializers.IntegerField()


class OilOut(serializers.Serializer):
    status = serializers.ChoiceField(["ok", "low", "unknown"])
    percent = serializers.IntegerField(allow_null=True)


class HealthReportOut(serializers.Serializer):
    vehicle_id = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    last_recorded_at = serializers.DateTimeField(allow_null=True)
    data_age_seconds = serializers.SerializerMethodField()
    stale = serializers.BooleanField(help_text="The newest reading is more than 3 days old.")
    odometer_km = serializers.IntegerField(allow_null=True)
    battery = BatteryOut()
    smart_key_battery = serializers.ChoiceField(["good", "replace", "unknown"])
    oil = OilOut()
    open_warnings = WarningSummaryOut(many=True)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_data_age_seconds(self, report: HealthReport) -> int | None:
        return int(report.data_age.total_seconds()) if report.data_age is not None else None


class ObdCheckFlagOut(serializers.Serializer):
    code = serializers.CharField()
    description = serializers.CharField()
    opened_at = serializers.DateTimeField()
    message = serializers.CharField()


class StaffHealthReportOut(HealthReportOut):
    obd_check = ObdCheckFlagOut(many=True, help_text="Dealer-only: may fail the OBD check, verify at intake.")


def _owner_vehicle(user, pk) -> Vehicle:
    vehicle = vehicles_for_owner(user).filter(pk=pk).first()
    if vehicle is None:
        raise Http404
    return vehicle


class OwnerVehicleHealthApi(APIView):
    """Health check report of one of the app user's own cars (another car: 404)."""

    permission_classes = [IsOwner]

    @extend_schema(responses=HealthReportOut)
    def get(self, request, pk: int):
        return Response(HealthReportOut(health_report(_owner_vehicle(request.user, pk))).data)


class StaffVehicleHealthApi(APIView):
    """Health check report with the OBD check flags, for staff handling the car's follow-ups
    (call-center agents included)."""

    permission_classes = [IsDealerStaff]

    @extend_schema(responses=StaffHealthReportOut)
    def get(self, request, pk: int):
        vehicle = vehicle_get_for_followup(request.user, pk)
        report = health_report(vehicle)
        data = HealthReportOut(report).data
        data["obd_check"] = ObdCheckFlagOut(obd_check_flags(vehicle), many=True).data
        return Response(data)
