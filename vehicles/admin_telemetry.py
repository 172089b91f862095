"""Django admin for the lamp/DTC meaning table (admins edit it, domain §7) and warnings (read-only).

Registered by importing this module from vehicles/admin.py.
"""

from __future__ import annotations

from django.contrib import admin

from dealers.admin import ReadOnlyAdminMixin
from dealers.audit import audit_record
from vehicles.models import DiagnosticCode, VehicleWarning


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
