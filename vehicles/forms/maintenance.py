"""The maintenance menu form: one item of a company's menu (company admins)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vehicles.models import MaintenanceItem, ServiceItem
from vehicles.services.maintenance import ITEM_FIELDS

# Work items a menu may follow by interval (inspections, shaken and recalls have their own schedules).
_NOT_INTERVAL_ITEMS = {
    ServiceItem.SHAKEN, ServiceItem.INSPECTION_12M, ServiceItem.INSPECTION_24M, ServiceItem.INSPECTION_6M,
    ServiceItem.INSPECTION_3M, ServiceItem.COMPANY_INSPECTION, ServiceItem.RECALL,
}


class MaintenanceItemForm(forms.ModelForm):
    code = forms.ChoiceField(
        label=_("Work item"), choices=[(item.value, item.label) for item in ServiceItem if item not in _NOT_INTERVAL_ITEMS],
        help_text=_("The service-record item that marks this as done."),
    )

    class Meta:
        model = MaintenanceItem
        fields = ["code", *ITEM_FIELDS]
        help_texts = {"interval_km": _("Leave empty for a time-only item."), "interval_months": _("Leave empty for a distance-only item.")}

    def __init__(self, *args, editing: bool = False, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]  # the work item it follows is fixed once created
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    def validate_unique(self) -> None:
        """The company is set by the service (which saves by code), not by the form."""
