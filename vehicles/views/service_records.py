"""Recording a visit (整備記録): a walk-in from the vehicle page, or completing an appointment.

Both pages are the same form; completing an appointment ticks what it was booked for. The
service refuses with field messages (the form shows them, status 400) and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealers.models import Store
from dealers.parsing.dates import date_label
from dealers.selectors.access import stores_for
from vehicles.forms.service_records import ServiceRecordForm, initial_for_appointment
from vehicles.models import Vehicle
from vehicles.selectors.appointments import appointment_get_for_staff
from vehicles.selectors.vehicles import vehicle_get_for_staff
from vehicles.services.service_records import RecordOutcome, appointment_complete_with_record, service_record_create


def _stores(user, vehicle: Vehicle) -> QuerySet[Store]:
    return stores_for(user).filter(company_id=vehicle.company_id, is_active=True).order_by("code")


def _show_errors(form: ServiceRecordForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)  # e.g. the appointment is not arrived
        return
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


def _summary(outcome: RecordOutcome) -> str:
    """What happened, in one message: saved, the new expiry, the notices cancelled."""
    if not outcome.created and not outcome.items_added:
        return _("This visit was recorded already; nothing changed.")
    parts = [_("Service record saved.")]
    if outcome.expiry_after is not None:
        parts.append(_("Shaken expiry moved from %(before)s to %(after)s.") % {
            "before": date_label(outcome.expiry_before) if outcome.expiry_before else "—",
            "after": date_label(outcome.expiry_after)})  # fmt: skip
    if outcome.notices_cancelled:
        parts.append(_("%(count)s pending notice(s) it made pointless were cancelled.") % {"count": outcome.notices_cancelled})
    return " ".join(parts)


@login_required
@require_http_methods(["GET", "POST"])
def service_record_new(request, vehicle_id: int):
    """A walk-in: record what was done today (or on an earlier day)."""
    vehicle = vehicle_get_for_staff(request.user, vehicle_id)
    stores = _stores(request.user, vehicle)
    default_store = vehicle.store_id if vehicle.store_id and stores.filter(pk=vehicle.store_id).exists() else None
    form = ServiceRecordForm(request.POST or None, vehicle=vehicle, stores=stores,
                             initial={"performed_on": timezone.localdate(), "store": default_store})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcome = service_record_create(
                vehicle=vehicle, store=data["store"], performed_on=data["performed_on"], items=form.item_inputs(),
                odometer_km=data["odometer_km"], meter_replaced=data["meter_replaced"], note=data["note"], actor=request.user,
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _summary(outcome))
            return redirect("vehicles:detail", pk=vehicle.pk)
    context = {"vehicle": vehicle, "form": form, "back": reverse("vehicles:detail", args=[vehicle.pk])}
    return render(request, "vehicles/service_records/new.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_complete(request, appointment_id: int):
    """Complete an arrived appointment: what was done and the odometer, ticked from its purpose."""
    appointment = appointment_get_for_staff(request.user, appointment_id)
    vehicle = appointment.vehicle
    day = timezone.localtime(appointment.starts_at).date()
    back = f"{reverse('notifications:appointments')}?store={appointment.store_id}&day={day.isoformat()}"
    form = ServiceRecordForm(request.POST or None, vehicle=vehicle, stores=_stores(request.user, vehicle),
                             initial=initial_for_appointment(appointment, today=timezone.localdate()))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcome = appointment_complete_with_record(
                appointment=appointment, store=data["store"], performed_on=data["performed_on"], items=form.item_inputs(),
                odometer_km=data["odometer_km"], meter_replaced=data["meter_replaced"], note=data["note"], actor=request.user,
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _summary(outcome))
            return redirect(back)
    context = {"vehicle": vehicle, "appointment": appointment, "form": form, "back": back}
    return render(request, "vehicles/service_records/new.html", context, status=400 if form.errors else 200)
