"""Read-only Django admin for what cars send: batches, readings (partitioned) and latest state.

Registered by importing this module from vehicles/admin.py. Readings pile up by the million, so
the changelist never counts the whole table and searches by chassis number only.
"""

from __future__ import annotations

from django.contrib import admin

from dealers.admin import ReadOnlyAdminMixin
from vehicles.models import TelemetryBatch, TelemetryReading, VehicleState


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


@admin.register(VehicleState)
class VehicleStateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["vehicle", "last_recorded_at", "odometer_km", "battery_voltage", "smart_key_battery", "oil_level", "third_party_device"]
    list_select_related = ["vehicle"]
    list_filter = ["third_party_device", "smart_key_battery", "oil_level"]
    search_fields = ["vehicle__chassis_number", "vin"]
    raw_id_fields = ["vehicle"]
    show_full_result_count = False
