"""Admin for work types and quotas (platform admins; company admins use the portal's settings)
and the holds bookings place (read-only: only the booking services write them)."""

from django.contrib import admin

from dealers.admin.readonly import ReadOnlyAdminMixin
from vehicles.models import BayHold, DayHold, WorkQuota, WorkType


@admin.register(WorkType)
class WorkTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "code", "minutes", "occupies", "is_active", "position"]
    list_filter = ["occupies", "is_active"]
    list_select_related = ["company"]
    search_fields = ["name", "code", "company__name"]
    show_full_result_count = False


@admin.register(WorkQuota)
class WorkQuotaAdmin(admin.ModelAdmin):
    list_display = ["store", "work_type", "per_day"]
    list_select_related = ["store", "work_type"]
    show_full_result_count = False


@admin.register(BayHold)
class BayHoldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["store", "bay", "during", "appointment"]
    list_select_related = ["store", "appointment"]
    show_full_result_count = False


@admin.register(DayHold)
class DayHoldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["store", "day", "pool", "seat", "appointment"]
    list_select_related = ["store", "appointment"]
    show_full_result_count = False
