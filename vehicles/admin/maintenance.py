"""Django admin for condition-based maintenance: the menu (platform admins may fix a company's
item; company admins use the portal page), each car's pace and flags (the dealer clears an
odometer reset flag or sets severe use here), and due dates (derived: read-only)."""

from __future__ import annotations

from django.contrib import admin

from dealers.admin.readonly import ReadOnlyAdminMixin
from dealers.services.audit import audit_record
from vehicles.models import MaintenanceDue, MaintenanceItem, VehicleMaintenance


class _AuditedAdmin(admin.ModelAdmin):
    action_prefix = ""

    def save_model(self, request, obj, form, change):
        # The admin wraps this in a transaction: the row and its audit entry commit together.
        super().save_model(request, obj, form, change)
        audit_record(action=f"{self.action_prefix}.{'change' if change else 'add'}", target=obj, actor=request.user,
                     changed=sorted(form.changed_data))


@admin.register(MaintenanceItem)
class MaintenanceItemAdmin(_AuditedAdmin):
    action_prefix = "maintenance_item"
    list_display = ["company", "code", "name_ja", "interval_km", "interval_months", "battery_trend", "active", "position"]
    list_filter = ["active", "code"]
    list_select_related = ["company"]
    search_fields = ["code", "name_ja", "name_en", "company__name"]
    raw_id_fields = ["company"]


@admin.register(VehicleMaintenance)
class VehicleMaintenanceAdmin(_AuditedAdmin):
    """The refresh rewrites pace and flags daily; staff may only clear the reset flag and set severe use."""

    action_prefix = "vehicle_maintenance"
    list_display = ["vehicle", "basis", "km_per_day", "odometer_km", "odometer_reset_flagged", "battery_replace", "severe_use",
                    "refreshed_on"]
    list_filter = ["basis", "odometer_reset_flagged", "battery_replace", "severe_use"]
    search_fields = ["vehicle__chassis_number"]
    raw_id_fields = ["vehicle"]
    readonly_fields = ["basis", "km_per_day", "first_at", "last_at", "odometer_km", "odometer_reset_at", "battery_replace",
                       "refreshed_on"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(MaintenanceDue)
class MaintenanceDueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["vehicle", "item", "due_on", "basis", "due_km", "anchor", "anchor_on", "refreshed_on"]
    list_filter = ["basis", "anchor"]
    list_select_related = ["vehicle", "item"]
    search_fields = ["vehicle__chassis_number"]
    show_full_result_count = False
