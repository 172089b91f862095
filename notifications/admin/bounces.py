"""Admin for what came back (read-only): bounces per delivery, complaints, address states."""

from django.contrib import admin

from dealers.admin.readonly import ReadOnlyAdminMixin
from notifications.models import MailAddressState, MailBounce, MailComplaint


@admin.register(MailBounce)
class MailBounceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "kind", "status", "recipient", "delivery", "diagnostic"]
    list_filter = ["kind"]
    search_fields = ["recipient", "status"]
    raw_id_fields = ["delivery"]
    show_full_result_count = False


@admin.register(MailComplaint)
class MailComplaintAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "feedback_type", "reporter", "withdrawn_category", "delivery"]
    list_filter = ["feedback_type", "withdrawn_category"]
    raw_id_fields = ["delivery"]
    show_full_result_count = False


@admin.register(MailAddressState)
class MailAddressStateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["email", "customer", "company", "undeliverable_since", "soft_bounces_in_row", "last_bounce_at",
                    "last_diagnostic"]
    list_filter = ["company"]
    list_select_related = ["customer", "company"]
    search_fields = ["email"]
    show_full_result_count = False
