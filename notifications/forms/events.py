"""Forms of the event mail pages: compose and schedule."""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealers.forms.dates import JapaneseDateField, JapaneseDateTimeField
from dealers.models import Store
from dealers.selectors.calendar import BUSINESS_TZ

_SPLIT_RE = re.compile(r"[\s,、，]+")


def _split(raw: str) -> list[str]:
    return [part for part in _SPLIT_RE.split(raw or "") if part]


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}))
    starts_on = JapaneseDateField(label=_("First day of the event"))
    ends_on = JapaneseDateField(label=_("Last day of the event"))
    stores = forms.ModelMultipleChoiceField(
        label=_("Where (stores)"), queryset=Store.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    audience_model_codes = forms.CharField(
        label=_("Only these model codes"), required=False, help_text=_("Separate with spaces or commas; blank = all models.")
    )
    audience_prefectures = forms.CharField(
        label=_("Only owners living in"), required=False, help_text=_("Prefectures such as 東京都 神奈川県; blank = everywhere.")
    )
    audience_stores = forms.ModelMultipleChoiceField(
        label=_("Only cars registered at"), queryset=Store.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked = every store."),
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["stores"]).queryset = stores
        cast(forms.ModelMultipleChoiceField, self.fields["audience_stores"]).queryset = stores

    def clean_audience_model_codes(self) -> list[str]:
        return _split(self.cleaned_data.get("audience_model_codes", ""))

    def clean_audience_prefectures(self) -> list[str]:
        return _split(self.cleaned_data.get("audience_prefectures", ""))


class ScheduleForm(forms.Form):
    send_now = forms.BooleanField(label=_("Send now"), required=False)
    send_at = JapaneseDateTimeField(label=_("Send at"), required=False, help_text=_("Japan time."))

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        if data.get("send_now"):
            data["when"] = timezone.now()
            return data
        send_at: dt.datetime | None = data.get("send_at")
        if send_at is None:
            if not self.errors:
                raise ValidationError({"send_at": _("Choose a time, or tick 'Send now'.")})
            return data
        when = send_at.replace(tzinfo=BUSINESS_TZ) if timezone.is_naive(send_at) else send_at
        if when < timezone.now() - dt.timedelta(minutes=1):
            raise ValidationError({"send_at": _("This time has passed. Choose a later time or tick 'Send now'.")})
        data["when"] = when
        return data
