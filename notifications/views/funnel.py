"""Results page: the notice funnel per kind and store, as bars with numbers, and as CSV."""

from __future__ import annotations

import csv
import datetime as dt
from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealers.forms.dates import JapaneseDateField
from dealers.models import Store
from dealers.parsing.dates import DATE_INPUT_FORMAT, date_parse
from dealers.selectors.access import stores_for
from dealers.views.portal import dealer_scope
from notifications.selectors.funnel import (
    FUNNEL_KINDS,
    STEP_LABELS,
    STEPS,
    FunnelRow,
    funnel_refreshed_at,
    funnel_totals,
    notice_funnel,
)

DEFAULT_DAYS = 30
MAX_DAYS = 366


def _with_default_period(data) -> dict:
    """The query with the period that applies written into it (the last 30 days up to today, or
    30 days up to the end given), so the filter shows the dates the figures are for."""
    values = data.copy() if data is not None else {}
    end = date_parse(values.get("date_to")) if values.get("date_to") else timezone.localdate()
    if not values.get("date_to"):
        values["date_to"] = timezone.localdate().strftime(DATE_INPUT_FORMAT)
    if not values.get("date_from") and end is not None:
        values["date_from"] = (end - dt.timedelta(days=DEFAULT_DAYS)).strftime(DATE_INPUT_FORMAT)
    return values


class FunnelForm(forms.Form):
    date_from = JapaneseDateField(label=gettext_lazy("From"), required=False)
    date_to = JapaneseDateField(label=gettext_lazy("To"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    store = forms.ModelChoiceField(label=gettext_lazy("Store"), queryset=Store.objects.none(), required=False,
                                   empty_label=gettext_lazy("All stores"))

    def __init__(self, data=None, *args, stores, **kwargs):
        super().__init__(_with_default_period(data), *args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["store"]).queryset = stores
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", _("All kinds")), *((k.value, k.label) for k in FUNNEL_KINDS)]

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        today = timezone.localdate()
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"] - dt.timedelta(days=DEFAULT_DAYS)
        if data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end must not be before the start."))
        elif (data["date_to"] - data["date_from"]).days > MAX_DAYS:
            self.add_error("date_from", _("Choose at most one year."))
        return data


def _funnel(request) -> tuple[FunnelForm, list[FunnelRow], dict]:
    dealer_scope(request.user)  # 404 for anyone but dealer staff
    form = FunnelForm(request.GET, stores=stores_for(request.user).order_by("code"))
    if not form.is_valid():
        return form, [], {}
    data = form.cleaned_data
    store = data.get("store")
    rows = notice_funnel(request.user, date_from=data["date_from"], date_to=data["date_to"],
                         kind=data.get("kind") or None, store_id=store.pk if store else None)
    return form, rows, data


@login_required
def results(request):
    form, rows, data = _funnel(request)
    context = {"form": form, "rows": rows, "totals": funnel_totals(rows), "steps": STEPS, "period": data,
               "csv_query": request.GET.urlencode(), "refreshed_at": funnel_refreshed_at(rows)}
    return render(request, "notifications/portal/results.html", context, status=400 if form.errors else 200)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: list[FunnelRow]):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM: Excel in Japan opens UTF-8 CSV correctly only with it
    yield writer.writerow([_("Kind"), _("Store"), *(str(STEP_LABELS[step]) for step in STEPS)])
    for row in rows:
        yield writer.writerow([row.kind_label, row.store_name or _("(no store)"), *(n for _step, _label, n in row.steps())])


@login_required
def results_csv(request):
    form, rows, data = _funnel(request)
    if form.errors:
        return render(request, "notifications/portal/results.html", {"form": form, "rows": [], "steps": STEPS}, status=400)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    name = f"funnel-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
