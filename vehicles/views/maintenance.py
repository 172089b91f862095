"""The company's maintenance menu (issue 11 §3): company admins edit it, store staff read it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dealers.models import DealerCompany
from dealers.views.portal import dealer_scope
from vehicles.forms.maintenance import MaintenanceItemForm
from vehicles.models import MaintenanceItem
from vehicles.services.maintenance import ITEM_FIELDS, maintenance_item_save, maintenance_menu_for


def _company(request) -> tuple[DealerCompany, bool]:
    scope = dealer_scope(request.user)  # 404 for call-center agents
    return DealerCompany.objects.get(pk=min(scope.company_ids)), scope.store_id is None


@login_required
def menu(request):
    company, can_edit = _company(request)
    return render(request, "vehicles/maintenance/menu.html",
                  {"company": company, "can_edit": can_edit, "items": maintenance_menu_for(company)})


@login_required
def item_edit(request, maintenance_item_id: int | None = None):
    company, can_edit = _company(request)
    item = None
    if maintenance_item_id is not None:
        item = MaintenanceItem.objects.filter(company=company, pk=maintenance_item_id).first()
        if item is None:
            raise Http404
    elif not can_edit:
        raise Http404
    if request.method == "POST" and not can_edit:
        raise Http404
    bound = request.POST if request.method == "POST" else None
    form = MaintenanceItemForm(bound, instance=item, editing=item is not None, read_only=not can_edit)
    if bound is not None and form.is_valid():
        code = item.code if item is not None else form.cleaned_data["code"]
        try:
            saved = maintenance_item_save(company=company, actor=request.user, code=code,
                                          **{name: form.cleaned_data[name] for name in ITEM_FIELDS})
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(item)s saved. Due dates follow from the next daily run.") % {"item": saved.name})
            return redirect("vehicles:maintenance_menu")
    status = 400 if form.errors else 200
    return render(request, "vehicles/maintenance/item.html",
                  {"company": company, "can_edit": can_edit, "form": form, "item": item}, status=status)
