"""Work types (what each kind of work takes) and daily quotas per store: company admins edit,
store staff read (issue 14)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealers.models import DealerCompany
from dealers.selectors.access import stores_for
from dealers.views.portal import dealer_scope
from vehicles.forms.capacity import NewWorkTypeForm, QuotaForm, WorkTypeForm
from vehicles.models import WorkQuota, WorkType
from vehicles.services.capacity import work_quota_set, work_type_save, work_types_ensure


def _quota_inputs(request, company):
    stores = list(stores_for(request.user).filter(is_active=True).order_by("code"))
    active = list(WorkType.objects.filter(company=company, is_active=True))
    current = {(q.store_id, q.work_type_id): q.per_day for q in WorkQuota.objects.filter(store__in=stores)}
    return {"stores": stores, "work_types": active, "current": current}


def _context(request, company, *, can_edit: bool, **forms):
    work_types = list(WorkType.objects.filter(company=company))
    rows = [(wt, forms.get(f"wt_{wt.pk}") or WorkTypeForm(instance=wt, prefix=f"wt{wt.pk}")) for wt in work_types]
    quota_form = forms.get("quota_form") or QuotaForm(**_quota_inputs(request, company))
    if not can_edit:
        for field in quota_form.fields.values():
            field.disabled = True
    return {
        "company": company, "can_edit": can_edit, "rows": rows, "quota_form": quota_form,
        "new_form": forms.get("new_form") or NewWorkTypeForm(prefix="new"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def work_types_view(request):
    scope = dealer_scope(request.user)
    company = DealerCompany.objects.get(pk=min(scope.company_ids))
    can_edit = scope.store_id is None  # company admins
    work_types_ensure(company)
    if request.method == "GET":
        return render(request, "vehicles/capacity/work_types.html", _context(request, company, can_edit=can_edit))
    if not can_edit:
        raise Http404
    action = request.POST.get("action", "")
    if action.startswith("save:"):
        return _save_type(request, company, action.removeprefix("save:"))
    if action == "add":
        return _add_type(request, company)
    if action == "quotas":
        return _save_quotas(request, company)
    raise Http404


def _save_type(request, company, raw_id: str):
    work_type = WorkType.objects.filter(company=company, pk=raw_id if raw_id.isdigit() else 0).first()
    if work_type is None:
        raise Http404
    form = WorkTypeForm(request.POST, instance=work_type, prefix=f"wt{work_type.pk}")
    if form.is_valid():
        work_type_save(work_type=form.save(commit=False), actor=request.user)
        messages.success(request, _("Work type saved."))
        return redirect("vehicles:work_types")
    context = _context(request, company, can_edit=True, **{f"wt_{work_type.pk}": form})
    return render(request, "vehicles/capacity/work_types.html", context, status=400)


def _add_type(request, company):
    form = NewWorkTypeForm(request.POST, prefix="new", instance=WorkType(company=company, position=99))
    if form.is_valid():
        try:
            work_type_save(work_type=form.save(commit=False), actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Work type added."))
            return redirect("vehicles:work_types")
    return render(request, "vehicles/capacity/work_types.html", _context(request, company, can_edit=True, new_form=form), status=400)


def _save_quotas(request, company):
    form = QuotaForm(request.POST, **_quota_inputs(request, company))
    if not form.is_valid():
        context = _context(request, company, can_edit=True, quota_form=form)
        return render(request, "vehicles/capacity/work_types.html", context, status=400)
    with transaction.atomic():
        for name, (store, work_type) in form.keys.items():
            work_quota_set(store=store, work_type=work_type, per_day=form.cleaned_data.get(name), actor=request.user)
    messages.success(request, _("Daily quotas saved."))
    return redirect("vehicles:work_types")
