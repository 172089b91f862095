"""Forms of work types and daily quotas (the company admin's settings page)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dealers.models import Store
from vehicles.models import WorkType


class WorkTypeForm(forms.ModelForm):
    class Meta:
        model = WorkType
        fields = ["name", "minutes", "occupies", "is_active"]


class NewWorkTypeForm(forms.ModelForm):
    class Meta:
        model = WorkType
        fields = ["code", "name", "minutes", "occupies"]
        help_texts = {"code": _("Lower-case letters, digits and hyphens (not shown to owners).")}


class QuotaForm(forms.Form):
    """One number field per store and work type: at most that many a day (blank: no quota)."""

    def __init__(self, *args, stores: list[Store], work_types: list[WorkType], current: dict[tuple[int, int], int], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for store in stores:
            cells = []
            for work_type in work_types:
                name = f"q_{store.pk}_{work_type.pk}"
                self.fields[name] = forms.IntegerField(
                    label=f"{store.name} {work_type.name}", required=False, min_value=0, max_value=200,
                    initial=current.get((store.pk, work_type.pk)),
                    widget=forms.NumberInput(
                        attrs={"inputmode": "numeric", "class": "narrow", "aria-label": f"{store.name} {work_type.name}"}
                    ),
                )
                cells.append((work_type, self[name]))
            self.rows.append((store, cells))
        self.keys = {f"q_{s.pk}_{w.pk}": (s, w) for s in stores for w in work_types}
