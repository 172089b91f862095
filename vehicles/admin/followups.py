"""Admin for e-Care follow-ups and their call log: read-only. Follow-ups change only through
the services (vehicles.services.followups, the escalation scan), which write the audit entries.

Imported from vehicles/admin/vehicles.py.
"""

from django.contrib import admin

from dealers.admin.readonly import ReadOnlyAdminMixin
from vehicles.models import FollowUp, FollowUpCall


class FollowUpCallInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FollowUpCall
    fields = ["called_at", "actor", "outcome", "next_action", "advice"]
    extra = 0


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["due_at", "severity", "vehicle", "assignee", "store", "desk", "status", "escalated_at"]
    list_filter = ["status", "severity", "assignee", ("escalated_at", admin.EmptyFieldListFilter)]
    search_fields = ["vehicle__chassis_number", "vehicle__plate_search", "warning__code"]
    list_select_related = ["vehicle", "store", "desk"]
    raw_id_fields = ["vehicle", "warning", "appointment"]
    inlines = [FollowUpCallInline]
    show_full_result_count = False


@admin.register(FollowUpCall)
class FollowUpCallAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["called_at", "followup", "actor", "outcome", "next_action"]
    list_filter = ["outcome", "next_action"]
    list_select_related = ["followup", "actor"]
    show_full_result_count = False
