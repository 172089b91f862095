"""The service record form (整備記録): a walk-in on the vehicle page, or completing an appointment."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealers.forms.dates import JapaneseDateField
from dealers.models import Store
from vehicles.models import Appointment, RecallStatus, RecallTarget, ServiceItem, Vehicle
from vehicles.parsing.shaken import periodic_inspection_interval_months
from vehicles.services.service_records import ItemInput

# Ticked items (recall work and free-text items have their own fields).
TICKED = [(item.value, item.label) for item in ServiceItem if item not in (ServiceItem.RECALL, ServiceItem.COMPANY_INSPECTION, ServiceItem.OTHER)]
_PERIODIC_BY_MONTHS = {3: ServiceItem.INSPECTION_3M, 6: ServiceItem.INSPECTION_6M, 12: ServiceItem.INSPECTION_12M}


class RecallChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: RecallTarget) -> str:
        done = f" ({obj.get_status_display()})" if obj.status != RecallStatus.NOT_DONE else ""
        return f"{obj.campaign.notification_number} {obj.campaign.title}{done}"


class ServiceRecordForm(forms.Form):
    performed_on = JapaneseDateField(label=_("Date of the visit"))
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none())
    odometer_km = forms.IntegerField(label=_("Odometer (km)"), min_value=0, max_value=2_000_000, required=False,
                                     widget=forms.NumberInput(attrs={"inputmode": "numeric"}))  # fmt: skip
    meter_replaced = forms.BooleanField(label=_("The meter (or the DCM) was replaced at this visit"), required=False)
    items = forms.MultipleChoiceField(label=_("Work done"), choices=TICKED, required=False, widget=forms.CheckboxSelectMultiple)
    recalls = RecallChoiceField(
        label=_("Recall work"), queryset=RecallTarget.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    company_inspection = forms.CharField(label=_("Dealer inspection (name)"), max_length=100, required=False,
                                         help_text=_("E.g. 1ヶ月点検, プロケア10."))  # fmt: skip
    other = forms.CharField(label=_("Other work"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, vehicle: Vehicle, stores: QuerySet[Store], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["store"]).queryset = stores
        recalls = cast(RecallChoiceField, self.fields["recalls"])
        recalls.queryset = RecallTarget.objects.filter(vehicle=vehicle).select_related("campaign").order_by("-campaign__published_on")
        if not recalls.queryset.exists():
            del self.fields["recalls"]

    def item_inputs(self) -> list[ItemInput]:
        data = self.cleaned_data
        items = [ItemInput(code) for code in data["items"]]
        items += [ItemInput(ServiceItem.RECALL, recall_campaign_id=t.campaign_id) for t in data.get("recalls") or []]
        if data["company_inspection"].strip():
            items.append(ItemInput(ServiceItem.COMPANY_INSPECTION, label=data["company_inspection"]))
        if data["other"].strip():
            items.append(ItemInput(ServiceItem.OTHER, label=data["other"]))
        return items


def initial_for_appointment(appointment: Appointment, *, today: dt.date) -> dict:
    """What the appointment was booked for, ticked in advance: its purpose (the due event)."""
    vehicle = appointment.vehicle
    items: list[str] = []
    recalls: list[int] = []
    if appointment.due_kind == "shaken":
        items = [ServiceItem.SHAKEN.value]
    elif appointment.due_kind == "periodic":
        months = periodic_inspection_interval_months(vehicle.vehicle_class, vehicle.use)
        items = [_PERIODIC_BY_MONTHS.get(months, ServiceItem.INSPECTION_12M).value]
    elif appointment.due_kind == "recall" and appointment.due_event_date is not None:
        recalls = list(
            RecallTarget.objects.filter(vehicle=vehicle, status=RecallStatus.NOT_DONE, became_target_on=appointment.due_event_date)
            .values_list("pk", flat=True)
        )
    visit_day = min(timezone.localtime(appointment.starts_at).date(), today)
    return {"performed_on": visit_day, "store": appointment.store_id, "items": items, "recalls": recalls}

