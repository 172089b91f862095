"""Django admin for dealer staff accounts and their invitations (platform administrators only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dealers.admin.readonly import ReadOnlyAdminMixin
from dealers.models import Invitation, User


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
    """Invitations are sent from the portal (dealers.services.staff.staff_invite, which mails them)."""

    list_display = ["email", "company", "role", "store", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "company"]
    search_fields = ["email", "company__name"]
    list_select_related = ["company", "store", "invited_by"]
    exclude = ["token"]  # a live invitation link is a credential
    date_hierarchy = "created_at"
