"""Staff vehicle pages: search and list, one car's page, moving a car to another store."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealers.selectors.access import staff_scope, stores_for
from dealers.selectors.calendar import business_date
from dealers.selectors.keyset import keyset_page
from dealers.services.audit import audit_record
from dealers.views.portal import is_htmx, query_without
from vehicles.forms.vehicles import StoreChangeForm, VehicleFilterForm
from vehicles.selectors.health import health_report
from vehicles.selectors.maintenance import next_due_panel
from vehicles.selectors.obd import obd_check_flags
from vehicles.selectors.search import VehicleFilters, vehicles_filter, with_open_warning_flag
from vehicles.selectors.service_records import service_history
from vehicles.selectors.vehicles import registrable_stores, vehicle_get_for_staff, vehicle_page, vehicles_for_staff
from vehicles.services import vehicle_register_store

PAGE_SIZE = 50
HISTORY_ROWS = 20


@login_required
def vehicle_list(request):
    scoped = vehicles_for_staff(request.user)  # 404 for call-center agents
    form = VehicleFilterForm(request.GET or None, stores=stores_for(request.user).order_by("code"))
    filters = form.filters() if form.is_bound else VehicleFilters()
    company_ids = staff_scope(request.user).company_ids
    qs = with_open_warning_flag(vehicles_filter(scoped, filters, company_ids)).select_related("store", "customer", "contract")
    # A due-month list is a call list: in expiry order. Otherwise registration order.
    order = ("shaken_expiry", "id") if filters.due_month else ("id",)
    page = keyset_page(qs, order=order, size=PAGE_SIZE, after=request.GET.get("after"), before=request.GET.get("before"))
    context = {"form": form, "page": page, "query": query_without(request, "after", "before"), "filters": filters}
    template = "vehicles/_results.html" if is_htmx(request) else "vehicles/list.html"
    return render(request, template, context)


@login_required
def vehicle_detail(request, pk: int):
    vehicle = vehicle_get_for_staff(request.user, pk)
    # APPI: access to a customer's personal data is logged.
    audit_record(action="vehicle.view", target=vehicle, actor=request.user, company=vehicle.company_id)
    next_due, pace = next_due_panel(vehicle, today=business_date())
    history = service_history(vehicle, limit=HISTORY_ROWS)
    context = {
        "page": vehicle_page(vehicle),
        "vehicle": vehicle,
        "health": health_report(vehicle),  # e-Care health check (vehicles.selectors.health)
        "next_due": next_due,  # shaken, periodic, the maintenance menu (vehicles.selectors.maintenance)
        "pace": pace,
        "obd_flags": obd_check_flags(vehicle),  # staff only: "may fail the OBD check", never a verdict
        "history": history,  # 整備記録, newest first
        # A certificate's expiry that differs from the one the latest shaken record computed: both are shown.
        "computed_expiry": next((r.shaken_expiry_computed for r in history if r.shaken_expiry_computed), None),
        "store_form": StoreChangeForm(stores=registrable_stores(vehicle), initial={"store": vehicle.store_id}),
    }
    return render(request, "vehicles/detail.html", context)


@login_required
@require_http_methods(["POST"])
def vehicle_store_change(request, vehicle_id: int):
    """Two steps: the form posts the chosen store → a confirmation page → POST confirmed=1."""
    vehicle = vehicle_get_for_staff(request.user, vehicle_id)
    form = StoreChangeForm(request.POST, stores=registrable_stores(vehicle))
    if not form.is_valid():
        return render(request, "vehicles/store_change.html", {"vehicle": vehicle, "form": form}, status=400)
    store = form.cleaned_data["store"]
    if not form.cleaned_data["confirmed"]:
        return render(request, "vehicles/store_change.html", {"vehicle": vehicle, "form": form, "store": store})
    try:
        vehicle_register_store(vehicle=vehicle, store=store, actor=request.user)
    except ValidationError as error:
        form.add_error("store", error)
        return render(request, "vehicles/store_change.html", {"vehicle": vehicle, "form": form}, status=400)
    messages.success(request, _("The remote-maintenance store is now %(store)s.") % {"store": store.name})
    if vehicles_for_staff(request.user).filter(pk=vehicle.pk).exists():
        return redirect("vehicles:detail", pk=vehicle.pk)
    return redirect("vehicles:list")  # store staff handed the car to another store
