"""Forms of the vehicle pages: list filters and the change of remote-maintenance store."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealers.models import Store
from vehicles.models import ContractStatus
from vehicles.parsing.chassis import normalize_model_code
from vehicles.selectors.search import VehicleFilters

_MONTH_RE = re.compile(r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?$")


class VehicleFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        help_text=_("Chassis number, plate (any spacing), owner name (kanji or kana) or phone. One or two characters match the start (a surname, a place name)."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "inputmode": "search"}),
    )
    due = forms.CharField(
        label=_("Shaken due month"),
        required=False,
        help_text=_("Year/month, e.g. 2027/04."),
        widget=forms.TextInput(attrs={"placeholder": "2027/04", "inputmode": "numeric", "size": 8}),
    )
    model = forms.CharField(label=_("Model code"), required=False, max_length=20)
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none(), required=False, empty_label=_("All stores"))
    contract = forms.ChoiceField(
        label=_("Contract"),
        required=False,
        choices=[("", _("Any")), *ContractStatus.choices, ("none", _("No contract"))],
    )
    warnings = forms.BooleanField(label=_("Open warnings only"), required=False)

    def __init__(self, *args, stores: QuerySet[Store], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["store"]).queryset = stores

    def clean_due(self) -> dt.date | None:
        raw = unicodedata.normalize("NFKC", self.cleaned_data.get("due") or "").strip()
        if not raw:
            return None
        match = _MONTH_RE.match(raw)
        if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 < int(match.group(1)) < 2200:
            raise ValidationError(_("Enter a month such as 2027/04."))
        return dt.date(int(match.group(1)), int(match.group(2)), 1)

    def clean_model(self) -> str:
        raw = self.cleaned_data.get("model") or ""
        return normalize_model_code(raw) if raw.strip() else ""

    def filters(self) -> VehicleFilters:
        """The validated filters; an invalid form filters by its valid fields only."""
        data = self.cleaned_data if self.is_valid() else {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors
        }
        store = data.get("store")
        return VehicleFilters(
            q=data.get("q") or "",
            due_month=data.get("due"),
            model_code=data.get("model") or "",
            store_id=store.pk if store else None,
            contract=data.get("contract") or "",
            open_warnings=bool(data.get("warnings")),
        )


class StoreChangeForm(forms.Form):
    store = forms.ModelChoiceField(label=_("New remote-maintenance store"), queryset=Store.objects.none())
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, stores: QuerySet[Store], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["store"]).queryset = stores
