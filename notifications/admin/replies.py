"""Admin for owners' replies and the inquiries they became: read-only (replies are evidence of
what the owner asked; inquiries are answered in the portal, which tells the owner)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dealers.admin.readonly import ReadOnlyAdminMixin
from notifications.models import Inquiry, Reply
from notifications.templatetags.reply_format import readings


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "channel", "intent", "status", "outcome", "understood", "vehicle", "notice"]
    list_filter = ["status", "channel", "intent", "outcome"]
    search_fields = ["vehicle__chassis_number", "message_id"]
    list_select_related = ["vehicle", "notice"]
    show_full_result_count = False

    @admin.display(description=_("What we understood"))
    def understood(self, reply: Reply) -> str:
        """The parser's reading in words, beside the text it was read from (the change page)."""
        return readings(reply.reading, "staff")


@admin.register(Inquiry)
class InquiryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["due_at", "store", "vehicle", "kind", "status", "answered_at"]
    list_filter = ["status", "kind"]
    search_fields = ["vehicle__chassis_number", "question"]
    list_select_related = ["store", "vehicle"]
    show_full_result_count = False
