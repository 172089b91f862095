"""Portal pages of e-Care follow-ups: the queue, one follow-up (the car's recent data, the
call log, close, book a visit). Reachable by company admins, store staff (their store's cars)
and call-center agents (the companies their desk serves); everyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dealers.models import Role
from dealers.services.audit import audit_record
from vehicles.forms.followups import BookForm, CallForm, CloseForm
from vehicles.selectors.followups import followup_get_for_user, followup_page, followup_queue
from vehicles.services.appointments import AppointmentExists
from vehicles.services.followups import followup_book_visit, followup_close, followup_log_call


@login_required
@require_GET
def followup_queue_view(request):
    closed, mine = request.GET.get("state") == "closed", request.GET.get("mine") == "1"
    queue = followup_queue(request.user, closed=closed, mine=mine)
    return render(request, "vehicles/followups/ecare_queue.html", {"queue": queue, "closed": closed, "mine": mine, "now": timezone.now()})


def _page(request, followup, *, status: int = 200, **forms):
    # APPI: access to a customer's personal data is logged.
    audit_record(action="followup.view", target=followup, actor=request.user, company=followup.company_id)
    context = {
        "page": followup_page(followup),
        "followup": followup,
        "vehicle": followup.vehicle,
        "now": timezone.now(),
        "may_open_vehicle": request.user.role != Role.CALL_CENTER,
        "call_form": forms.get("call_form") or CallForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "book_form": forms.get("book_form") or BookForm(),
        "alternatives": forms.get("alternatives", ()),
        "open_visit": forms.get("open_visit"),
    }
    return render(request, "vehicles/followups/ecare_followup.html", context, status=status)


def _add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_GET
def followup_detail(request, followup_id: int):
    return _page(request, followup_get_for_user(request.user, followup_id))


@login_required
@require_POST
def followup_call(request, followup_id: int):
    followup = followup_get_for_user(request.user, followup_id)
    form = CallForm(request.POST)
    if form.is_valid():
        try:
            followup_log_call(followup=followup, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The call is logged."))
            return redirect("vehicles:followup", followup_id=followup.pk)
    return _page(request, followup, status=400, call_form=form)


@login_required
@require_POST
def followup_close_view(request, followup_id: int):
    followup = followup_get_for_user(request.user, followup_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            followup_close(followup=followup, actor=request.user, resolution=form.cleaned_data["resolution"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The follow-up is closed."))
            return redirect("vehicles:followups")
    return _page(request, followup, status=400, close_form=form)


@login_required
@require_POST
def followup_book(request, followup_id: int):
    followup = followup_get_for_user(request.user, followup_id)
    form = BookForm(request.POST)
    if form.is_valid():
        try:
            result = followup_book_visit(followup=followup, actor=request.user, starts_at=form.starts_at())
        except AppointmentExists as exists:
            form.add_error(None, _("This car already has an open visit booked; change that one instead."))
            return _page(request, followup, status=409, book_form=form, open_visit=exists.appointment)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if result.appointment is not None:
                messages.success(request, _("The visit is requested and the follow-up is closed; the store confirms the visit on the appointments page."))
                return redirect("vehicles:followup", followup_id=followup.pk)
            form.add_error(None, _("That time is not available. Free times nearby are listed below."))
            return _page(request, followup, status=409, book_form=form, alternatives=result.alternatives)
    return _page(request, followup, status=400, book_form=form)
