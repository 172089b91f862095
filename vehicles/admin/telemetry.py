"""Django admin for telemetry: the lamp/DTC meaning table (admins edit it, domain §7), warnings
(read-only), and what cars send: batches, readings (partitioned) and latest state, read-only.
Readings pile up by the million, so their changelist never counts the whole table and searches by
chassis number only.
"""

from __future__ import annotations

from django.contrib import admin

from dealers.admin.readonly import ReadOnlyAdminMixin
from dealers.services.audit import audit_record
from vehicles.models import (
    DiagnosticCode,
    TelemetryBatch,
    TelemetryDay,
    TelemetryDayStale,
    TelemetryReading,
    VehicleState,
    VehicleWarning,
)


@admin.register(DiagnosticCode)
class DiagnosticCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "severity", "description_ja", "description_en", "updated_at"]
    list_filter = ["kind", "severity"]
    search_fields = ["code", "description_ja", "description_en"]
    ordering = ["code"]

    def save_model(self, request, obj, form, change):
        # The admin wraps this in a transaction: the row and its audit entry commit together.
        super().save_model(request, obj, form, change)
        audit_record(
            action="diagnostic_code.change" if change else "diagnostic_code.add",
            target=obj,
            actor=request.user,
            changed=sorted(form.changed_data),
        )


@admin.register(VehicleWarning)
class VehicleWarningAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Warnings are state-change records written by telemetry ingest: evidence, never edited."""

    list_display = ["vehicle", "code", "kind", "severity", "opened_at", "closed_at"]
    list_filter = ["kind", "severity", ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["code", "vehicle__chassis_number"]
    list_select_related = ["vehicle"]
    raw_id_fields = ["vehicle", "opened_batch", "closed_batch"]


@admin.register(TelemetryBatch)
class TelemetryBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["message_id", "vehicle", "accepted", "received_at"]
    list_select_related = ["vehicle"]
    search_fields = ["message_id", "vehicle__chassis_number"]
    raw_id_fields = ["vehicle"]
    date_hierarchy = "received_at"
    show_full_result_count = False


@admin.register(TelemetryReading)
class TelemetryReadingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["vehicle", "recorded_at", "odometer_km", "battery_voltage", "smart_key_battery", "oil_level", "third_party_device"]
    list_select_related = ["vehicle"]
    list_filter = ["third_party_device", "smart_key_battery", "oil_level"]
    search_fields = ["vehicle__chassis_number"]
    raw_id_fields = ["vehicle", "batch"]
    ordering = ["-recorded_at"]
    show_full_result_count = False


@admin.register(TelemetryDay)
class TelemetryDayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The day roll-ups the maintenance refresh reads (written only by it): to look at."""

    list_display = ["vehicle", "day", "first_at", "last_at", "min_km", "max_km", "battery_median"]
    list_select_related = ["vehicle"]
    search_fields = ["vehicle__chassis_number"]
    raw_id_fields = ["vehicle"]
    ordering = ["-day"]
    show_full_result_count = False


@admin.register(TelemetryDayStale)
class TelemetryDayStaleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Days with late readings waiting for the next roll-up."""

    list_display = ["vehicle", "day"]
    list_select_related = ["vehicle"]
    search_fields = ["vehicle__chassis_number"]
    raw_id_fields = ["vehicle"]
    ordering = ["-day"]


@admin.register(VehicleState)
class VehicleStateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["vehicle", "last_recorded_at", "odometer_km", "battery_voltage", "smart_key_battery", "oil_level", "third_party_device"]
    list_select_related = ["vehicle"]
    list_filter = ["third_party_device", "smart_key_battery", "oil_level"]
    search_fields = ["vehicle__chassis_number", "vin"]
    raw_id_fields = ["vehicle"]
    show_full_result_count = False
