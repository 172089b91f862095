"""Reminder schedule and inspection menu: company admins edit, store staff read."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dealers.models import DealerCompany
from dealers.views.portal import dealer_scope
from notifications.models import ReminderPolicy
from notifications.services.policy import POLICY_FIELDS, reminder_policy_for, reminder_policy_update


class ReminderPolicyForm(forms.ModelForm):
    class Meta:
        model = ReminderPolicy
        fields = list(POLICY_FIELDS)


@login_required
def reminder_settings(request):
    scope = dealer_scope(request.user)
    company = DealerCompany.objects.get(pk=min(scope.company_ids))
    can_edit = scope.store_id is None  # company admins
    policy = reminder_policy_for(company)
    form = ReminderPolicyForm(request.POST if request.method == "POST" and can_edit else None, instance=policy)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if form.is_valid():
            try:
                reminder_policy_update(company=company, actor=request.user,
                                       **{name: form.cleaned_data[name] for name in POLICY_FIELDS})
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Reminder schedule saved. It applies from the next daily run."))
                return redirect("notifications:reminder_settings")
    status = 400 if form.errors else 200
    return render(request, "notifications/portal/reminder_settings.html",
                  {"form": form, "can_edit": can_edit, "company": company}, status=status)
