"""The vehicle page's timeline: a fragment htmx loads into the page, or a page of its own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dealers.views.portal import is_htmx
from notifications.selectors.bounces import customer_mail_state
from notifications.selectors.inbox import vehicle_timeline
from vehicles.selectors.vehicles import vehicle_get_for_staff


@login_required
def vehicle_timeline_view(request, vehicle_id: int):
    vehicle = vehicle_get_for_staff(request.user, vehicle_id)  # 404 outside the scope
    # E-mail bounces of the owner's address: shown above the history (issue 15).
    context = {"vehicle": vehicle, "entries": vehicle_timeline(vehicle), "mail_state": customer_mail_state(vehicle.customer)}
    template = "notifications/portal/_timeline.html" if is_htmx(request) else "notifications/portal/timeline.html"
    return render(request, template, context)
