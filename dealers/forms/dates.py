"""Date and time fields for Japanese front desks (issue 16 point 9).

The browsers' own date and time inputs show the browser's locale (mm/dd/yyyy, 12-hour AM/PM on
an English system) whatever the page's language. These fields are text boxes in the Japanese
way instead — `2026/12/10`, `14:30` on the 24-hour clock, full-width digits welcome — with a
calendar button (the browser's date picker, which writes back `yyyy/mm/dd`), a visible format
hint and the chosen day shown as 2026年12月10日(木) beside the box (dealers/static/dates.js keeps
it current while typing). Parsing is dealers.parsing.dates; errors never show ISO dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealers.parsing.dates import DATE_INPUT_FORMAT, TIME_INPUT_FORMAT, date_label, date_parse, time_parse
from dealers.selectors.calendar import BUSINESS_TZ


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    return date_parse(value)


class JapaneseDateInput(forms.TextInput):
    """A `yyyy/mm/dd` text box, a calendar button and the day in words beside it."""

    def __init__(self, attrs: dict[str, Any] | None = None):
        base = {"inputmode": "numeric", "autocomplete": "off", "size": 11, "class": "date-input", "data-date-field": ""}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        day = _as_date(value)
        if day is not None:
            return day.strftime(DATE_INPUT_FORMAT)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.setdefault("placeholder", _("yyyy/mm/dd"))
        hint = f"{widget_attrs.get('id', name)}_hint"
        widget_attrs["aria-describedby"] = " ".join(filter(None, [widget_attrs.get("aria-describedby"), hint]))
        return context

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        box = super().render(name, value, attrs, renderer)
        field_id = (attrs or {}).get("id") or self.attrs.get("id") or name
        day = _as_date(value)
        return format_html(
            '<span class="date-field">{box}'
            '<button type="button" class="calendar-button secondary" data-calendar-for="{id}" aria-label="{pick}">'
            '<svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><rect x="3" y="5" width="18" '
            'height="16" rx="2" fill="none" stroke="currentColor" stroke-width="2"/><path d="M3 10h18M8 3v4M16 3v4" '
            'stroke="currentColor" stroke-width="2"/></svg></button>'
            '<input type="date" class="calendar-picker" tabindex="-1" aria-hidden="true" aria-label="{pick}" '
            'data-picker-for="{id}" value="{iso}">'
            '<span class="field-hint" id="{id}_hint"><output data-date-shown-for="{id}">{shown}</output> '
            '<small>{hint}</small></span></span>',
            box=box, id=field_id, pick=_("Choose on the calendar"), iso=day.isoformat() if day else "",
            shown=date_label(day) if day else "", hint=_("Year/month/day, e.g. 2026/12/10"),
        )


class JapaneseTimeInput(forms.TextInput):
    """An `HH:MM` text box on the 24-hour clock, with the format beside it (hint=False: a table
    of them says it once, above)."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, hint: bool = True):
        base = {"inputmode": "numeric", "autocomplete": "off", "size": 6, "class": "time-input"}
        super().__init__({**base, **(attrs or {})})
        self.hint = hint

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.time):
            return value.strftime(TIME_INPUT_FORMAT)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.setdefault("placeholder", "14:30")
        if self.hint:
            hint = f"{widget_attrs.get('id', name)}_hint"
            widget_attrs["aria-describedby"] = " ".join(filter(None, [widget_attrs.get("aria-describedby"), hint]))
        return context

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        box = super().render(name, value, attrs, renderer)
        if not self.hint:
            return box
        field_id = (attrs or {}).get("id") or self.attrs.get("id") or name
        return format_html('<span class="time-field">{box}<small class="field-hint" id="{id}_hint">{hint}</small></span>',
                           box=box, id=field_id, hint=_("24-hour clock, e.g. 14:30"))


class JapaneseDateField(forms.DateField):
    widget = JapaneseDateInput
    default_error_messages = {"invalid": gettext_lazy("Enter the date as year/month/day, e.g. 2026/12/10.")}

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return _as_date(value)
        day = date_parse(value)
        if day is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return day


class JapaneseTimeField(forms.TimeField):
    widget = JapaneseTimeInput
    default_error_messages = {"invalid": gettext_lazy("Enter the time on the 24-hour clock, e.g. 14:30.")}

    def to_python(self, value: Any) -> dt.time | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.time):
            return value
        at = time_parse(value)
        if at is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return at


class JapaneseDateTimeWidget(forms.MultiWidget):
    """The date box and the time box side by side. A single combined value under the field's own
    name (2026-12-10T14:30, as an API client or an older form posts it) is read too."""

    def __init__(self, attrs: dict[str, Any] | None = None):
        time_attrs = {**(attrs or {}), "aria-label": gettext_lazy("Time (24-hour clock)")}
        super().__init__([JapaneseDateInput(attrs), JapaneseTimeInput(time_attrs)])

    def id_for_label(self, id_: str) -> str:
        # The field's label names the date box; the time box carries its own aria-label.
        return f"{id_}_0" if id_ else ""

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.datetime):
            local = value.astimezone(BUSINESS_TZ) if timezone.is_aware(value) else value
            return [local.date(), local.time().replace(second=0, microsecond=0)]
        return [None, None]

    def value_from_datadict(self, data, files, name):
        combined = data.get(name)
        if combined:
            text = str(combined).replace("T", " ").strip()
            day, _sep, at = text.partition(" ")
            return [day, at]
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and super().value_omitted_from_data(data, files, name)

    use_fieldset = False  # a <label for> the date box, as every other field has

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        # Each box renders itself (calendar button, hint), not through MultiWidget's template.
        values = value if isinstance(value, list | tuple) else self.decompress(value)
        final_attrs = self.build_attrs(self.attrs, attrs)
        field_id = final_attrs.get("id")
        boxes = []
        for index, widget in enumerate(self.widgets):
            box_attrs = {**final_attrs, "id": f"{field_id}_{index}"} if field_id else dict(final_attrs)
            box_value = values[index] if index < len(values) else None
            boxes.append(widget.render(f"{name}_{index}", box_value, box_attrs, renderer))
        return format_html('<span class="datetime-field">{}</span>', mark_safe("".join(boxes)))  # noqa: S308 - each box escaped by its widget


class JapaneseDateTimeField(forms.MultiValueField):
    """A day and a 24-hour time in Japan, cleaned to an aware datetime (Asia/Tokyo)."""

    widget = JapaneseDateTimeWidget
    default_error_messages = {"incomplete": gettext_lazy("Give both the date and the time.")}

    def __init__(self, **kwargs):
        required = kwargs.get("required", True)
        fields = (JapaneseDateField(required=required), JapaneseTimeField(required=required))
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list) -> dt.datetime | None:
        if not data_list or all(v in self.empty_values for v in data_list):
            return None
        day, at = data_list
        if day in self.empty_values or at in self.empty_values:
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        return dt.datetime.combine(day, at, BUSINESS_TZ)
