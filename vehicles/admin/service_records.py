"""Admin for service records (整備記録): a platform admin can add a visit; it goes through the
service like every other way in (the same refusals, the expiry rolled forward, the notices
cancelled, audited). Records are history: read-only once made, never deleted here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dealers.models import User
from vehicles.models import RecallCampaign, ServiceItem, ServiceRecord, ServiceRecordItem, ServiceRecordSource
from vehicles.models.service_records import LABELLED_ITEMS
from vehicles.services.service_records import ItemInput, RecordOutcome, service_record_create

_TICKED = [(item.value, item.label) for item in ServiceItem if item != ServiceItem.RECALL]


class ServiceRecordAddForm(forms.ModelForm):
    work = forms.MultipleChoiceField(label=_("Work done"), choices=_TICKED, required=False, widget=forms.CheckboxSelectMultiple)
    label = forms.CharField(label=_("What was done"), max_length=100, required=False,
                            help_text=_("For a dealer inspection or other work."))  # fmt: skip
    recall_campaigns = forms.ModelMultipleChoiceField(label=_("Recall work"), queryset=RecallCampaign.objects.all(),
                                                      required=False)  # fmt: skip

    class Meta:
        model = ServiceRecord
        fields = ["vehicle", "store", "performed_on", "odometer_km", "meter_replaced", "external_id", "note"]

    outcome: RecordOutcome | None = None
    actor: User | None = None  # set by the admin for the request

    def clean(self):
        """Record the visit here, so a refusal is shown on the form (the admin's transaction
        rolls it back if anything after fails)."""
        data = super().clean() or {}
        if self.errors:
            return data
        items = [ItemInput(code, label=data["label"] if code in LABELLED_ITEMS else "") for code in data["work"]]
        items += [ItemInput(ServiceItem.RECALL, recall_campaign_id=c.pk) for c in data["recall_campaigns"]]
        try:
            self.outcome = service_record_create(
                vehicle=data["vehicle"], store=data["store"], performed_on=data["performed_on"], items=items,
                source=ServiceRecordSource.ADMIN, odometer_km=data["odometer_km"], meter_replaced=data["meter_replaced"],
                note=data["note"], external_id=data["external_id"], actor=self.actor,
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                self.add_error({"items": "work", "vehicle": "vehicle"}.get(name, name) if name in (
                    *self.fields, "items") else None, problems)  # fmt: skip
        return data

    def _post_clean(self):
        # The service validated and wrote the record (one visit per car and day may exist
        # already: then items were added to it), so the model's own checks do not apply.
        pass


class ServiceRecordItemInline(admin.TabularInline):
    model = ServiceRecordItem
    extra = 0
    fields = ["item", "recall_campaign", "label", "performed_on", "odometer_km"]
    readonly_fields = ["item", "recall_campaign", "label", "performed_on", "odometer_km"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceRecord)
class ServiceRecordAdmin(admin.ModelAdmin):
    list_display = ["performed_on", "vehicle", "store", "odometer_km", "source", "external_id", "created_at"]
    list_filter = ["source", "performed_on"]
    search_fields = ["vehicle__chassis_number", "external_id"]
    list_select_related = ["vehicle", "store"]
    raw_id_fields = ["vehicle", "appointment"]
    inlines = [ServiceRecordItemInline]
    show_full_result_count = False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = super().get_form(request, obj, change=change, form=ServiceRecordAddForm, **kwargs)
            form.actor = request.user  # type: ignore[attr-defined]  # a ServiceRecordAddForm subclass
            return form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in ServiceRecord._meta.fields]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return  # history: nothing to change
        outcome = form.outcome
        obj.pk, obj._state.adding = outcome.record.pk, False

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceRecordItem)
class ServiceRecordItemAdmin(admin.ModelAdmin):
    list_display = ["performed_on", "vehicle", "item", "recall_campaign", "label", "odometer_km"]
    list_filter = ["item"]
    search_fields = ["vehicle__chassis_number"]
    list_select_related = ["vehicle", "recall_campaign"]
    readonly_fields = [f.name for f in ServiceRecordItem._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
