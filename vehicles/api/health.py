"""Health check report of a car: the owner app (own cars only) and the staff API.

The staff variant adds the OBD check flags (dealer-only, domain §2); the owner variant never
carries them. Both are 404 for a car outside the caller's reach.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dealers.selectors.calendar import business_date
from vehicles.api.permissions import IsDealerStaff, IsOwner
from vehicles.models import Vehicle
from vehicles.selectors.health import HealthReport, health_report
from vehicles.selectors.maintenance import next_due_panel
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
    days_used = serializers.IntegerField(help_text="Days with resting readings in the 30-day trend window (daily medians).")


class OilOut(serializers.Serializer):
    status = serializers.ChoiceField(["ok", "low", "unknown"])
    percent = serializers.IntegerField(allow_null=True)


class NextDueOut(serializers.Serializer):
    code = serializers.CharField(help_text="shaken, periodic, or the maintenance menu item's code (engine_oil …).")
    name = serializers.CharField(source="label", help_text="In the language of the request.")
    due_on = serializers.DateField(allow_null=True, help_text="A periodic inspection: the first day of its month.")
    due_km = serializers.IntegerField(allow_null=True, help_text="The odometer at which a distance interval is reached.")
    how = serializers.CharField(help_text="How the date was computed (certificate, record, projection at N km/day …).")
    state = serializers.ChoiceField(["ok", "due_soon", "overdue"], help_text="due_soon: within 30 days.")


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
    next_due = serializers.SerializerMethodField(help_text="Shaken, periodic inspection, then each maintenance item soonest first.")

    @extend_schema_field(NextDueOut(many=True))
    def get_next_due(self, _report: HealthReport) -> Any:
        return NextDueOut(self.context.get("next_due", []), many=True).data

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


def _next_due(vehicle: Vehicle) -> dict:
    rows, _pace = next_due_panel(vehicle, today=business_date())
    return {"next_due": rows}


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
        vehicle = _owner_vehicle(request.user, pk)
        return Response(HealthReportOut(health_report(vehicle), context=_next_due(vehicle)).data)


class StaffVehicleHealthApi(APIView):
    """Health check report with the OBD check flags, for staff handling the car's follow-ups
    (call-center agents included)."""

    permission_classes = [IsDealerStaff]

    @extend_schema(responses=StaffHealthReportOut)
    def get(self, request, pk: int):
        vehicle = vehicle_get_for_followup(request.user, pk)
        report = health_report(vehicle)
        data = HealthReportOut(report, context=_next_due(vehicle)).data
        data["obd_check"] = ObdCheckFlagOut(obd_check_flags(vehicle), many=True).data
        return Response(data)
