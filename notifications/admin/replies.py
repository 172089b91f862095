"""Admin for owners' replies and the inquiries they became: read-only (replies are evidence of
what the owner asked; inquiries are answered in the portal, which tells the owner)."""

from django.contrib import admin

from dealers.admin.readonly import ReadOnlyAdminMixin
from notifications.models import Inquiry, Reply


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "channel", "intent", "status", "outcome", "vehicle", "notice"]
    list_filter = ["status", "channel", "intent", "outcome"]
    search_fields = ["vehicle__chassis_number", "message_id"]
    list_select_related = ["vehicle", "notice"]
    show_full_result_count = False


@admin.register(Inquiry)
class InquiryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["due_at", "store", "vehicle", "kind", "status", "answered_at"]
    list_filter = ["status", "kind"]
    search_fields = ["vehicle__chassis_number", "question"]
    list_select_related = ["store", "vehicle"]
    show_full_result_count = False
