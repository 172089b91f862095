"""Django admin for the audit log: read-only evidence of who changed what."""

from __future__ import annotations

from django.contrib import admin

from dealers.admin.readonly import ReadOnlyAdminMixin
from dealers.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "action", "target_type", "target_id", "actor", "company"]
    list_filter = ["action", "company", "target_type"]
    search_fields = ["action", "target_id", "actor__email"]
    list_select_related = ["actor", "company"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # the audit log grows without bound
