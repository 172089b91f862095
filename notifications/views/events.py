"""Dealer event mail pages: list with results, compose, preview and schedule, cancel.

Store staff compose for their own store: the only store they can pick, and the audience is
always the cars registered at it. Company admins pick any store of the company.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealers.models import DealerCompany
from dealers.selectors.access import staff_scope, stores_for
from dealers.views.portal import dealer_scope, is_htmx
from notifications.forms.events import EventForm, ScheduleForm
from notifications.models import DealerEventStatus
from notifications.selectors.events import event_get_for_staff, event_results, events_for_staff
from notifications.services.events import event_audience, event_cancel, event_create, event_preview, event_schedule

LIST_SIZE = 100


def _composer_scope(user):
    """(company, stores) of someone allowed to write event mail; 404 for call-center agents."""
    scope = dealer_scope(user)
    return DealerCompany.objects.get(pk=min(scope.company_ids)), stores_for(user).filter(is_active=True).order_by("code")


@login_required
def event_list(request):
    dealer_scope(request.user)
    events = list(events_for_staff(request.user).order_by("-created_at", "-id")[:LIST_SIZE])
    results = event_results(e.pk for e in events if e.status == DealerEventStatus.SENT)
    rows = [(event, results.get(event.pk)) for event in events]
    return render(request, "notifications/portal/events.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request):
    company, stores = _composer_scope(request.user)
    form = EventForm(request.POST or None, stores=stores)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if staff_scope(request.user).store_id is not None:
            data["audience_stores"] = list(stores)  # store staff mail their own store's customers only
        try:
            event = event_create(company=company, actor=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Draft saved. Check the preview, then schedule it."))
            return redirect("notifications:event", event_id=event.pk)
    return render(request, "notifications/portal/event_new.html", {"form": form}, status=400 if form.errors else 200)


def _detail_context(event, schedule_form=None) -> dict:
    context = {"event": event, "schedule_form": schedule_form or ScheduleForm()}
    if event.status in (DealerEventStatus.DRAFT, DealerEventStatus.SCHEDULED):
        context["preview"] = event_preview(event=event)
    if event.status == DealerEventStatus.SENT:
        context["result"] = event_results([event.pk]).get(event.pk)
    return context


@login_required
def event_detail(request, event_id: int):
    event = event_get_for_staff(request.user, event_id)
    if is_htmx(request) and request.GET.get("part") == "audience":  # polls while the count runs
        return render(request, "notifications/portal/_event_audience.html",
                      {"event": event, "audience": event_audience(event, on=timezone.localdate())})
    if is_htmx(request):  # the progress fragment polls while the event is being sent: no preview
        result = event_results([event.pk]).get(event.pk) if event.status == DealerEventStatus.SENT else None
        return render(request, "notifications/portal/_event_status.html", {"event": event, "result": result})
    return render(request, "notifications/portal/event.html", _detail_context(event))


@login_required
@require_http_methods(["POST"])
def event_schedule_view(request, event_id: int):
    event = event_get_for_staff(request.user, event_id)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            event = event_schedule(event=event, send_at=form.cleaned_data["when"], actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Scheduled. The mail goes out at the time set; this page shows the progress."))
            return redirect("notifications:event", event_id=event.pk)
    return render(request, "notifications/portal/event.html", _detail_context(event, form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def event_cancel_view(request, event_id: int):
    event = event_get_for_staff(request.user, event_id)
    if request.method == "POST":
        try:
            event_cancel(event=event, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("The event mail was cancelled."))
        return redirect("notifications:event", event_id=event.pk)
    return render(request, "notifications/portal/event_cancel.html", {"event": event})
