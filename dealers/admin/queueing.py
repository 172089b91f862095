"""Django admin for tasks kept while the broker was down: what waits for the every-minute sweep."""

from __future__ import annotations

from django.contrib import admin

from dealers.admin.readonly import ReadOnlyAdminMixin
from dealers.models import UnpublishedTask


@admin.register(UnpublishedTask)
class UnpublishedTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["failed_at", "name", "args", "error"]
    list_filter = ["name"]
