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

from dealers.models import Store
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


class FunnelForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    store = forms.ModelChoiceField(label=gettext_lazy("Store"), queryset=Store.objects.none(), required=False,
                                   empty_label=gettext_lazy("All stores"))

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
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
    form = FunnelForm(request.GET or {}, stores=stores_for(request.user).order_by("code"))
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
