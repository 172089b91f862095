"""Admin for recall campaigns, their display ranges and targets.

Imported from vehicles/admin/vehicles.py. Target status changes go through the services (audited), so
targets are read-only here; campaigns come from `manage.py import_recall`.
"""

from django.contrib import admin

from vehicles.models import RecallCampaign, RecallRange, RecallTarget


class RecallRangeInline(admin.TabularInline):
    model = RecallRange
    extra = 0


@admin.register(RecallCampaign)
class RecallCampaignAdmin(admin.ModelAdmin):
    list_display = ["notification_number", "kind", "title", "published_on", "created_at"]
    list_filter = ["kind", "published_on"]
    search_fields = ["notification_number", "title"]
    readonly_fields = ["created_at"]
    inlines = [RecallRangeInline]


@admin.register(RecallRange)
class RecallRangeAdmin(admin.ModelAdmin):
    list_display = ["campaign", "model_code", "serial_from", "serial_to", "produced_from", "produced_to", "affected_count"]
    search_fields = ["model_code", "campaign__notification_number"]
    list_select_related = ["campaign"]


@admin.register(RecallTarget)
class RecallTargetAdmin(admin.ModelAdmin):
    list_display = ["chassis_number", "campaign", "vehicle", "status", "became_target_on", "done_on", "done_store"]
    list_filter = ["status", "campaign__kind"]
    search_fields = ["chassis_number", "campaign__notification_number"]
    list_select_related = ["campaign", "vehicle", "done_store"]
    readonly_fields = [f.name for f in RecallTarget._meta.fields]
    show_full_result_count = False  # targets run to hundreds of thousands per campaign

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
