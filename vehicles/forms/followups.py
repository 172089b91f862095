"""Forms of the follow-up page: log a call, close, book a visit."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from dealers.forms.dates import JapaneseDateField, JapaneseTimeField
from dealers.selectors.calendar import BUSINESS_TZ
from vehicles.models import CallOutcome, NextAction
from vehicles.services.followups import MAX_ADVICE


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices)
    advice = forms.CharField(
        label=_("Advice given"), required=False, max_length=MAX_ADVICE, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the owner was told to do (required when the owner was reached)."),
    )
    next_action = forms.ChoiceField(label=_("Next action"), choices=NextAction.choices)


class CloseForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class BookForm(forms.Form):
    day = JapaneseDateField(label=_("Date"))
    time = JapaneseTimeField(label=_("Time"))

    def starts_at(self) -> dt.datetime:
        """The chosen time in Japan (the store's time zone)."""
        return dt.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"], BUSINESS_TZ)
