from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from dealers.audit import audit_record
from vehicles.selectors import vehicle_get_for_staff, vehicles_for_staff


@login_required
def vehicle_list(request):
    qs = vehicles_for_staff(request.user).select_related("store", "customer").order_by("id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "vehicles/list.html", {"page": page})


@login_required
def vehicle_detail(request, pk: int):
    vehicle = vehicle_get_for_staff(request.user, pk)
    # APPI: access to a customer's personal data is logged.
    audit_record(action="vehicle.view", target=vehicle, actor=request.user, company=vehicle.company_id)
    return render(request, "vehicles/detail.html", {"vehicle": vehicle})
