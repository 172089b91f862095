"""Django admin for dealer companies, stores (with their calendars) and call-center desks.

Writes that carry business rules go through the services: a store's participation in
remote maintenance is changed by actions (the vehicles admin adds "leave", which also ends
the registrations), never by ticking the box on an existing store.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dealers.models import CalendarException, CallCenterDesk, ClosingRule, DealerCompany, Store, StoreHours
from dealers.services.companies import store_set_participation


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
