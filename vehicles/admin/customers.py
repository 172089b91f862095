"""Admin for customers and their mail consent.

Customer edits go through customer_create / customer_update (normalised phone and e-mail,
audited); a consent answer through consent_set (current row + evidence record + audit).
Consent evidence is read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dealers.admin.readonly import ReadOnlyAdminMixin
from vehicles.models import ConsentRecord, Customer, CustomerConsent
from vehicles.services import (
    CUSTOMER_FIELDS,
    consent_check,
    consent_set,
    customer_create,
    customer_fields_clean,
    customer_update,
    phone_normalise,
)


class CustomerAdminForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["company", *CUSTOMER_FIELDS]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        values = {name: cleaned[name] for name in CUSTOMER_FIELDS if name in cleaned}
        cleaned.update(customer_fields_clean(values))  # a ValidationError lands on its fields
        return cleaned


class CustomerConsentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CustomerConsent
    fields = ["category", "granted", "updated_at"]
    extra = 0


class ConsentRecordInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ConsentRecord
    fields = ["recorded_at", "category", "granted", "source", "evidence", "recorded_by"]
    readonly_fields = ["recorded_at", "category", "granted", "source", "evidence", "recorded_by"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = ["name", "name_kana", "phone", "email", "company", "language", "created_at"]
    list_filter = ["company", "language"]
    search_fields = ["name", "name_kana", "phone", "email"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    inlines = [CustomerConsentInline, ConsentRecordInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # Linking the app account is the owner's sign-up flow; a customer never changes tenant.
        return ["company", "user", "created_at"] if obj is not None else ["user", "created_at"]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = phone_normalise(search_term)
        except ValidationError:
            phone = ""
        if phone and phone != search_term:
            results |= queryset.filter(phone=phone)
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in CUSTOMER_FIELDS if name in form.cleaned_data}
        if change:
            # The form already wrote into obj; the service compares with the stored row.
            customer_update(customer=Customer.objects.get(pk=obj.pk), actor=request.user, **values)
            return
        created = customer_create(company=form.cleaned_data["company"], actor=request.user, **values)
        obj.pk, obj.created_at, obj._state.adding = created.pk, created.created_at, False


class CustomerConsentAdminForm(forms.ModelForm):
    source = forms.CharField(
        label=_("how it was given"), max_length=64, help_text=_("e.g. paper form at store, phone call")
    )
    evidence = forms.CharField(label=_("evidence"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = CustomerConsent
        fields = ["customer", "category", "granted"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        category = cleaned.get("category") or getattr(self.instance, "category", "")
        if category and "granted" in cleaned and "source" in cleaned:
            consent_check(category, cleaned["granted"], cleaned["source"])
        return cleaned


@admin.register(CustomerConsent)
class CustomerConsentAdmin(admin.ModelAdmin):
    """Record a customer's answer; every change appends a ConsentRecord (evidence)."""

    form = CustomerConsentAdminForm
    list_display = ["customer", "category", "granted", "updated_at"]
    list_filter = ["category", "granted", "customer__company"]
    search_fields = ["customer__name", "customer__phone", "customer__email"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]

    def get_fields(self, request, obj=None):
        fields = ["customer", "category", "granted", "source", "evidence"]
        return [*fields, "updated_at"] if obj is not None else fields

    def get_readonly_fields(self, request, obj=None):
        return ["customer", "category", "updated_at"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a refusal is recorded as granted = no, never by deleting the answer

    def save_model(self, request, obj, form, change):
        consent = consent_set(
            customer=obj.customer,
            category=obj.category,
            granted=form.cleaned_data["granted"],
            source=form.cleaned_data["source"],
            evidence=form.cleaned_data["evidence"],
            actor=request.user,
        )
        obj.pk, obj.updated_at, obj._state.adding = consent.pk, consent.updated_at, False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["recorded_at", "customer", "category", "granted", "source", "recorded_by"]
    list_filter = ["category", "granted", "customer__company"]
    search_fields = ["customer__name", "source"]
    list_select_related = ["customer", "recorded_by"]
    date_hierarchy = "recorded_at"
    show_full_result_count = False
