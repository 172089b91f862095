"""Django admin for the dealer layer (platform administrators only).

Writes that carry business rules go through the services: a store's participation in
remote maintenance is changed by actions (the vehicles admin adds "leave", which also ends
the registrations), never by ticking the box on an existing store.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dealers.models import (
    AuditEntry,
    CalendarException,
    CallCenterDesk,
    ClosingRule,
    DealerCompany,
    Invitation,
    Store,
    StoreHours,
    User,
)
from dealers.services import store_set_participation


class ReadOnlyAdminMixin:
    """View-only: records that are evidence (audit, consent, history) are never edited here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DealerCompany)
class DealerCompanyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "phone", "complaints_contact", "created_at"]
    search_fields = ["code", "name"]
    readonly_fields = ["created_at"]


class StoreHoursInline(admin.TabularInline):
    model = StoreHours
    extra = 0
    max_num = 7


class ClosingRuleInline(admin.TabularInline):
    model = ClosingRule
    extra = 0


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    extra = 0


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "company",
        "prefecture",
        "participates_in_remote_maintenance",
        "closed_on_national_holidays",
        "service_bays",
        "is_active",
    ]
    list_filter = ["company", "participates_in_remote_maintenance", "is_active", "prefecture"]
    search_fields = ["code", "name", "company__name", "company__code"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    inlines = [StoreHoursInline, ClosingRuleInline, CalendarExceptionInline]
    actions = ["join_remote_maintenance"]

    def get_readonly_fields(self, request, obj=None):
        # Leaving remote maintenance must end the cars' registrations: use the action.
        return ["participates_in_remote_maintenance"] if obj is not None else []

    @admin.action(description=_("Take part in remote maintenance"))
    def join_remote_maintenance(self, request, queryset):
        changed = sum(store_set_participation(store=s, participates=True, actor=request.user) for s in queryset)
        message = ngettext("%d store now takes part.", "%d stores now take part.", changed) % changed
        self.message_user(request, message, messages.SUCCESS)


@admin.register(CallCenterDesk)
class CallCenterDeskAdmin(admin.ModelAdmin):
    list_display = ["name", "opens_at", "closes_at", "open_every_day"]
    search_fields = ["name"]
    filter_horizontal = ["companies"]


class _EmailNormalisingMixin:
    """Accounts are looked up by lower-case e-mail (UserManager.create_user does the same)."""

    cleaned_data: dict[str, Any]
    instance: User

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data.get("email") or "").strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("A user with this e-mail address already exists."), code="unique")
        return email


class UserAddForm(_EmailNormalisingMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name", "role", "company", "store", "desk", "language")


class UserEditForm(_EmailNormalisingMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict[str, type[forms.Field]] = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """The custom user logs in by e-mail; there is no username or first/last name."""

    form = UserEditForm
    add_form = UserAddForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name", "language")}),
        (_("Tenant"), {"fields": ("role", "company", "store", "desk")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "name",
                    "role",
                    "company",
                    "store",
                    "desk",
                    "language",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ["email", "name", "role", "company", "store", "is_active", "is_staff", "last_login"]
    list_filter = ["role", "company", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    list_select_related = ["company", "store"]
    autocomplete_fields = ["company", "store", "desk"]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Invitations are sent from the portal (dealers.services.staff_invite, which mails them)."""

    list_display = ["email", "company", "role", "store", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "company"]
    search_fields = ["email", "company__name"]
    list_select_related = ["company", "store", "invited_by"]
    exclude = ["token"]  # a live invitation link is a credential
    date_hierarchy = "created_at"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "action", "target_type", "target_id", "actor", "company"]
    list_filter = ["action", "company", "target_type"]
    search_fields = ["action", "target_id", "actor__email"]
    list_select_related = ["actor", "company"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # the audit log grows without bound
