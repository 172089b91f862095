"""Staff recall pages: campaigns and completion, the store's targets, mark done / not applicable."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealers.forms.dates import JapaneseDateField
from dealers.models import Store
from dealers.selectors.access import stores_for
from dealers.selectors.keyset import keyset_page
from dealers.views.portal import dealer_scope, is_htmx, query_without
from vehicles.models import RecallStatus
from vehicles.selectors.recalls import (
    campaign_get_for_staff,
    campaign_overviews,
    recall_completion,
    recall_target_get_for_staff,
    recall_targets_for_staff,
)
from vehicles.services.recalls import recall_target_mark_done, recall_target_mark_not_applicable

PAGE_SIZE = 50


class TargetFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("All")), *RecallStatus.choices]
    )
    store = forms.ModelChoiceField(
        label=gettext_lazy("Store"), queryset=Store.objects.none(), required=False, empty_label=gettext_lazy("All stores")
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["store"]).queryset = stores


class MarkDoneForm(forms.Form):
    done_on = JapaneseDateField(label=gettext_lazy("Done on"))
    store = forms.ModelChoiceField(label=gettext_lazy("At store"), queryset=Store.objects.none())

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["store"]).queryset = stores


class NotApplicableForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why does the recall not apply?"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For example: part already replaced, car scrapped or exported."),
    )


def _next_url(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


@login_required
def campaign_list(request):
    dealer_scope(request.user)  # 404 for anyone but dealer staff (call-center agents too)
    page = campaign_overviews(request.user, request.GET.get("page"))
    return render(request, "vehicles/recalls/campaigns.html", {"page": page, "overviews": page.object_list})


@login_required
def campaign_detail(request, campaign_id: int):
    campaign = campaign_get_for_staff(request.user, campaign_id)
    scope = dealer_scope(request.user)
    stores = stores_for(request.user).order_by("code")
    form = TargetFilterForm(request.GET or None, stores=stores)
    targets = recall_targets_for_staff(request.user).filter(campaign=campaign)
    if form.is_valid():
        if form.cleaned_data["status"]:
            targets = targets.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["store"]:
            targets = targets.filter(store=form.cleaned_data["store"])
    targets = targets.select_related("vehicle", "vehicle__customer", "vehicle__store", "done_store")
    page = keyset_page(targets, order=("id",), size=PAGE_SIZE, after=request.GET.get("after"), before=request.GET.get("before"))
    # Dealer staff belong to one company (call-center agents never reach this page).
    completion = recall_completion(campaign, company=min(scope.company_ids), store_id=scope.store_id)
    context = {
        "campaign": campaign, "completion": completion, "form": form, "page": page,
        "query": query_without(request, "after", "before"),
    }
    template = "vehicles/recalls/_targets.html" if is_htmx(request) else "vehicles/recalls/campaign.html"
    return render(request, template, context)


@login_required
def target_mark_done(request, recall_target_id: int):
    target = recall_target_get_for_staff(request.user, recall_target_id)
    vehicle = target.vehicle
    assert vehicle is not None  # staff scope only holds linked targets (company comes from the car)
    stores = stores_for(request.user).filter(is_active=True).order_by("code")
    has_store = vehicle.store_id is not None and stores.filter(pk=vehicle.store_id).exists()
    default_store = vehicle.store_id if has_store else None
    form = MarkDoneForm(request.POST or None, stores=stores, initial={"done_on": timezone.localdate(), "store": default_store})
    if request.method == "POST" and form.is_valid():
        try:
            recall_target_mark_done(target=target, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recall %(number)s marked done for %(plate)s.") % {
                "number": target.campaign.notification_number, "plate": vehicle.plate_display or target.chassis_number})
            return redirect(_next_url(request, reverse("recalls:campaign", args=[target.campaign_id])))
    status = 400 if form.errors else 200
    context = {"target": target, "form": form, "next": _next_url(request, reverse("recalls:campaign", args=[target.campaign_id]))}
    return render(request, "vehicles/recalls/mark_done.html", context, status=status)


@login_required
def target_not_applicable(request, recall_target_id: int):
    target = recall_target_get_for_staff(request.user, recall_target_id)
    form = NotApplicableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recall_target_mark_not_applicable(target=target, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            assert target.vehicle is not None  # the service refuses targets without a car
            messages.success(request, _("Recall %(number)s marked not applicable for %(plate)s.") % {
                "number": target.campaign.notification_number, "plate": target.vehicle.plate_display or target.chassis_number})
            return redirect(_next_url(request, reverse("recalls:campaign", args=[target.campaign_id])))
    status = 400 if form.errors else 200
    context = {"target": target, "form": form, "next": _next_url(request, reverse("recalls:campaign", args=[target.campaign_id]))}
    return render(request, "vehicles/recalls/not_applicable.html", context, status=status)
