"""The maintenance menu form: one item of a company's menu (company admins)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vehicles.models import MaintenanceItem, ServiceItem
from vehicles.services.maintenance import ITEM_FIELDS


# Items with an interval: a shaken, a recall or "other" is no menu item.
MENU_ITEMS = [(code, label) for code, label in ServiceItem.choices if code not in (ServiceItem.SHAKEN, ServiceItem.RECALL, ServiceItem.OTHER)]


class MaintenanceItemForm(forms.ModelForm):
    # Picked by name from the service record's work items, never typed as a code.
    code = forms.ChoiceField(label=_("Work item"), choices=MENU_ITEMS, help_text=_("Service records of this work item restart its interval."))

    class Meta:
        model = MaintenanceItem
        fields = ["code", *ITEM_FIELDS]
        help_texts = {"interval_km": _("Leave empty for a time-only item."), "interval_months": _("Leave empty for a distance-only item.")}

    def __init__(self, *args, editing: bool = False, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True  # the service record item it follows: fixed once created
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    def validate_unique(self) -> None:
        """The company is set by the service (which saves by code), not by the form."""
