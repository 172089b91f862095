"""Shared by the admins of every app: records that are evidence are shown, never edited."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """View-only: records that are evidence (audit, consent, history) are never edited here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
