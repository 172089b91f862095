"""Forms of the store settings pages; model rules (clean()) give the field errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dealers.forms.dates import JapaneseDateField, JapaneseTimeField, JapaneseTimeInput
from dealers.models import CalendarException, ClosingRule, Store
from dealers.models.calendar import Weekday


class WeeklyHoursForm(forms.Form):
    """Seven rows: open that weekday?, opens at, closes at."""

    def __init__(self, data: Mapping[str, Any] | None = None, *, current: dict[int, tuple[dt.time, dt.time]], **kwargs):
        initial = {}
        for weekday, (opens, closes) in current.items():
            initial.update({f"open_{weekday}": True, f"opens_{weekday}": opens, f"closes_{weekday}": closes})
        super().__init__(data, initial=initial, **kwargs)
        for weekday in Weekday:
            label = weekday.label
            self.fields[f"open_{weekday.value}"] = forms.BooleanField(label=_("Open on %(day)s") % {"day": label}, required=False)
            self.fields[f"opens_{weekday.value}"] = JapaneseTimeField(
                label=_("%(day)s opens at") % {"day": label}, required=False, widget=JapaneseTimeInput(hint=False))
            self.fields[f"closes_{weekday.value}"] = JapaneseTimeField(
                label=_("%(day)s closes at") % {"day": label}, required=False, widget=JapaneseTimeInput(hint=False))

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        for weekday in Weekday:
            if not data.get(f"open_{weekday.value}"):
                continue
            opens, closes = data.get(f"opens_{weekday.value}"), data.get(f"closes_{weekday.value}")
            if opens is None:
                self.add_error(f"opens_{weekday.value}", _("Give the opening time, or untick the day."))
            if closes is None:
                self.add_error(f"closes_{weekday.value}", _("Give the closing time, or untick the day."))
            if opens and closes and opens >= closes:
                self.add_error(f"closes_{weekday.value}", _("Closing time must be after opening time."))
        return data

    def hours(self) -> dict[int, tuple[dt.time, dt.time] | None]:
        data = self.cleaned_data
        return {
            w.value: (data[f"opens_{w.value}"], data[f"closes_{w.value}"]) if data.get(f"open_{w.value}") else None
            for w in Weekday
        }

    def rows(self):
        """(weekday label, open field, opens field, closes field) for the template table."""
        return [(w.label, self[f"open_{w.value}"], self[f"opens_{w.value}"], self[f"closes_{w.value}"]) for w in Weekday]


class CapacityForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = ["service_bays", "slot_minutes", "day_places", "closed_on_national_holidays"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day_places"].required = False  # left blank: unchanged


class ClosingRuleForm(forms.ModelForm):
    class Meta:
        model = ClosingRule
        fields = ["weekday", "week_of_month", "moves_to_next_day_on_holiday"]

    def __init__(self, *args, store: Store, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.store = store  # clean() refuses a duplicate rule of this store


class CalendarExceptionForm(forms.ModelForm):
    class Meta:
        model = CalendarException
        fields = ["starts_on", "ends_on", "is_open", "opens_at", "closes_at", "note"]
        field_classes = {
            "starts_on": JapaneseDateField, "ends_on": JapaneseDateField,
            "opens_at": JapaneseTimeField, "closes_at": JapaneseTimeField,
        }

    def __init__(self, *args, store: Store, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.store = store  # clean() checks overlaps and usual hours of this store
