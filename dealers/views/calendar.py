"""Store settings pages: business calendar and service capacity.

Who edits what: company admins edit every store of their company (and the company-wide reminder
schedule, notifications.views.schedules); store staff edit their own store's calendar and
capacity only (they know when the store is closed); call-center agents see none of it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dealers.forms.calendar import CalendarExceptionForm, CapacityForm, ClosingRuleForm, WeeklyHoursForm
from dealers.models import CalendarException, ClosingRule, Store
from dealers.models.calendar import Weekday
from dealers.parsing.dates import range_label
from dealers.selectors.access import store_get, stores_for
from dealers.selectors.calendar import StoreCalendar, business_date
from dealers.services.calendar import (
    calendar_exception_add,
    calendar_exception_change,
    calendar_exception_copy_to_next_year,
    calendar_exception_delete,
    calendar_exception_next_year,
    closing_rule_add,
    closing_rule_delete,
    store_capacity_set,
    store_hours_set,
)
from dealers.views.portal import dealer_scope

PREVIEW_DAYS = 42  # six weeks: the year-end closure is visible from mid-November
# Closures that ended within this many days are offered for copying to the next year.
COPY_WINDOW_DAYS = 400


def _editable_store(user, pk: int) -> Store:
    dealer_scope(user)
    return store_get(user, pk)  # 404 outside the scope (store staff: other stores too)


def _copyable(exceptions: list[CalendarException], today: dt.date) -> list[CalendarException]:
    """Past closures of the last year whose dates one year on are still free and not past."""
    past = [e for e in exceptions if e.ends_on < today and (today - e.ends_on).days <= COPY_WINDOW_DAYS]
    copyable = []
    for exception in past:
        starts_on, ends_on = calendar_exception_next_year(exception)
        if ends_on >= today and not any(o.starts_on <= ends_on and o.ends_on >= starts_on for o in exceptions):
            copyable.append(exception)
    return copyable


def _page(request, store: Store, status: int = 200, **forms):
    hours = {h.weekday: (h.opens_at, h.closes_at) for h in store.hours.all()}
    calendar = StoreCalendar.for_store(store)
    today = business_date()
    exceptions = list(store.calendar_exceptions.all())
    context = {
        "store": store,
        "hours_form": forms.get("hours_form") or WeeklyHoursForm(current=hours),
        "capacity_form": forms.get("capacity_form") or CapacityForm(instance=store),
        "rule_form": forms.get("rule_form") or ClosingRuleForm(store=store),
        "exception_form": forms.get("exception_form") or CalendarExceptionForm(store=store),
        "rules": list(store.closing_rules.all()),
        "exceptions": [e for e in exceptions if e.ends_on >= today],
        "copyable": _copyable(exceptions, today),
        "contradictions": [Weekday(w).label for w in calendar.weekdays_closed_by_rule_but_ticked_open()],
        "contradiction_text": _contradiction_text(
            [Weekday(w).label for w in calendar.weekdays_closed_by_rule_but_ticked_open()]),
        "preview": [calendar.day_status(today + dt.timedelta(days=n)) for n in range(PREVIEW_DAYS)],
    }
    return render(request, "dealers/settings/store.html", context, status=status)


@login_required
def settings_index(request):
    scope = dealer_scope(request.user)
    stores = stores_for(request.user).order_by("code")
    return render(request, "dealers/settings/index.html", {"stores": stores, "is_company_admin": scope.store_id is None})


@login_required
def store_settings(request, store_id: int):
    store = _editable_store(request.user, store_id)
    return _page(request, store)


@login_required
@require_http_methods(["POST"])
def store_hours(request, store_id: int):
    store = _editable_store(request.user, store_id)
    form = WeeklyHoursForm(request.POST, current={})
    if not form.is_valid():
        return _page(request, store, 400, hours_form=form)
    store_hours_set(store=store, hours=form.hours(), actor=request.user)
    messages.success(request, _("Business hours saved."))
    _warn_contradictions(request, store)
    return redirect("settings:store", store_id=store.pk)


@login_required
@require_http_methods(["POST"])
def store_capacity(request, store_id: int):
    store = _editable_store(request.user, store_id)
    form = CapacityForm(request.POST, instance=Store.objects.get(pk=store.pk))
    if not form.is_valid():
        return _page(request, store, 400, capacity_form=form)
    store_capacity_set(store=store, actor=request.user, **form.cleaned_data)
    messages.success(request, _("Capacity saved."))
    return redirect("settings:store", store_id=store.pk)


@login_required
@require_http_methods(["POST"])
def closing_rule_new(request, store_id: int):
    store = _editable_store(request.user, store_id)
    form = ClosingRuleForm(request.POST, store=store)
    if form.is_valid():
        try:
            closing_rule_add(store=store, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Closing rule added."))
            _warn_contradictions(request, store)
            return redirect("settings:store", store_id=store.pk)
    return _page(request, store, 400, rule_form=form)


@login_required
@require_http_methods(["POST"])
def closing_rule_remove(request, store_id: int, closing_rule_id: int):
    store = _editable_store(request.user, store_id)
    rule = ClosingRule.objects.filter(store=store, pk=closing_rule_id).select_related("store").first()
    if rule is None:
        raise Http404
    closing_rule_delete(rule=rule, actor=request.user)
    messages.success(request, _("Closing rule removed."))
    return redirect("settings:store", store_id=store.pk)


@login_required
@require_http_methods(["POST"])
def exception_new(request, store_id: int):
    store = _editable_store(request.user, store_id)
    form = CalendarExceptionForm(request.POST, store=store)
    if form.is_valid():
        try:
            calendar_exception_add(store=store, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Calendar exception added."))
            return redirect("settings:store", store_id=store.pk)
    return _page(request, store, 400, exception_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def exception_remove(request, store_id: int, calendar_exception_id: int):
    store = _editable_store(request.user, store_id)
    exception = CalendarException.objects.filter(store=store, pk=calendar_exception_id).select_related("store").first()
    if exception is None:
        raise Http404
    if request.method == "GET":  # confirmation page
        return render(request, "dealers/settings/exception_delete.html", {"store": store, "exception": exception})
    calendar_exception_delete(exception=exception, actor=request.user)
    messages.success(request, _("Calendar exception removed."))
    return redirect("settings:store", store_id=store.pk)


def _warn_contradictions(request, store: Store) -> None:
    """A weekday ticked open that a closing rule shuts every week: say so (the rule wins)."""
    days = StoreCalendar.for_store(store).weekdays_closed_by_rule_but_ticked_open()
    if days:
        messages.warning(request, _contradiction_text([Weekday(w).label for w in days]))


def _contradiction_text(weekdays) -> str:
    return _(
        "%(weekdays)s: ticked open in the usual hours, but a closing rule closes the store every week on that day."
        " The store is closed then; untick the day or remove the rule."
    ) % {"weekdays": ("、" if (get_language() or "ja").startswith("ja") else ", ").join(str(w) for w in weekdays)}


def _exception_of(store: Store, pk: int) -> CalendarException:
    exception = CalendarException.objects.filter(store=store, pk=pk).select_related("store").first()
    if exception is None:
        raise Http404
    return exception


@login_required
@require_http_methods(["GET", "POST"])
def exception_edit(request, store_id: int, calendar_exception_id: int):
    store = _editable_store(request.user, store_id)
    exception = _exception_of(store, calendar_exception_id)
    # The form works on its own copy: the service compares against the row as it was.
    form = CalendarExceptionForm(request.POST or None, instance=_exception_of(store, calendar_exception_id), store=store)
    if request.method == "POST" and form.is_valid():
        try:
            calendar_exception_change(exception=exception, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Calendar exception saved."))
            return redirect("settings:store", store_id=store.pk)
    context = {"store": store, "exception": exception, "form": form}
    return render(request, "dealers/settings/exception_edit.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["POST"])
def exception_copy(request, store_id: int, calendar_exception_id: int):
    store = _editable_store(request.user, store_id)
    exception = _exception_of(store, calendar_exception_id)
    try:
        copy = calendar_exception_copy_to_next_year(exception=exception, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Copied to %(dates)s.") % {"dates": range_label(copy.starts_on, copy.ends_on)})
    return redirect("settings:store", store_id=store.pk)
