"""Admin: reminder policies are edited here (and later in the portal); notices, deliveries and
runs are shown read-only (they are written by the daily run and the outbox only)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import DailyRun, Delivery, DeliveryAttempt, FunnelDay, Notice, ReminderPolicy


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["company", "shaken_early_months", "shaken_window_notice", "shaken_late_months", "shaken_final_days",
                    "shaken_lapsed_notice", "periodic_interval_months", "periodic_extra_months", "recall_repeat_days"]
    list_select_related = ["company"]
    fieldsets = [
        (None, {"fields": ["company"]}),
        (_("Shaken"), {"fields": ["shaken_early_months", "shaken_window_notice", "shaken_late_months", "shaken_final_days",
                                   "shaken_lapsed_notice"]}),
        (_("Periodic inspection"), {"fields": ["periodic_interval_months", "periodic_extra_months"]}),
        (_("Recall"), {"fields": ["recall_repeat_days"]}),
    ]


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ("channel", "status", "attempts", "next_attempt_at", "delivered_at", "read_at", "last_error")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(_ReadOnly):
    list_display = ["id", "kind", "stage", "vehicle", "company", "event_date", "send_on", "status"]
    list_filter = ["kind", "status", "category", "send_on"]
    search_fields = ["dedupe_key", "vehicle__chassis_number"]
    list_select_related = ["vehicle", "company"]
    raw_id_fields = ["vehicle", "customer"]
    inlines = [DeliveryInline]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "ok", "error"]


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly):
    list_display = ["id", "notice", "channel", "status", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["channel", "status"]
    list_select_related = ["notice"]
    raw_id_fields = ["notice"]
    inlines = [DeliveryAttemptInline]


@admin.register(DailyRun)
class DailyRunAdmin(_ReadOnly):
    list_display = ["business_date", "started_at", "finished_at"]


@admin.register(FunnelDay)
class FunnelDayAdmin(_ReadOnly):
    """The Results figures as counted (notifications.services.funnel): read-only."""

    list_display = ["send_on", "company", "store", "kind", "sent", "delivered", "read", "replied", "booked", "visited", "refreshed_at"]
    list_filter = ["kind", "send_on"]
    list_select_related = ["company", "store"]
