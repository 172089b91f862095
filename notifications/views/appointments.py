"""Appointments: a store's day (capacity per slot) and week, and the front desk's actions.

Confirm, propose other times and cancel tell the owner (notifications services); arrived,
completed and no-show are the store's own record (vehicles services). Every action is a POST on
an appointment fetched within the user's scope; cancelling asks for confirmation first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from dealers.forms.dates import JapaneseDateInput, JapaneseDateTimeField
from dealers.parsing.dates import date_parse, datetime_label
from dealers.selectors.access import store_get, stores_for
from dealers.selectors.calendar import BUSINESS_TZ, StoreCalendar
from dealers.views.portal import dealer_scope
from notifications.selectors.appointments import board_appointments, month_load, week_board
from notifications.services.appointment_notices import (
    PhoneBookingRefused,
    appointment_cancel_notify,
    appointment_confirm_notify,
    appointment_move_notify,
    appointment_phone_book,
    appointment_propose_notify,
)
from vehicles.models import AppointmentState, WorkType
from vehicles.selectors.appointments import (
    alternatives,
    appointment_get_for_staff,
    appointments_for_staff,
    open_twins,
    slots_available,
    work_for,
)
from vehicles.selectors.search import search_filter
from vehicles.selectors.vehicles import vehicles_for_staff
from vehicles.services.appointments import (
    appointment_mark_arrived,
    appointment_mark_no_show,
)
from vehicles.services.capacity import work_types_ensure

ACTIONS = {
    "confirm": appointment_confirm_notify,
    "arrived": appointment_mark_arrived,
    "no_show": appointment_mark_no_show,
}
DONE_MESSAGES = {
    "confirm": gettext_lazy("Appointment confirmed; the owner has been told."),
    "arrived": gettext_lazy("Marked as arrived."),
    "no_show": gettext_lazy("Marked as a no-show; the slot is free again."),
}


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), BUSINESS_TZ)


def _day(raw: str | None) -> dt.date:
    """The day asked for (2026-12-10 from links, 2026/12/10 as typed); today when unreadable."""
    return date_parse(raw) or timezone.localdate()


def _week_counts(user, store, day: dt.date) -> list[tuple[dt.date, int]]:
    """Appointments (not cancelled) per day of the week around `day`: one aggregate query."""
    monday = day - dt.timedelta(days=day.weekday())
    rows = (
        appointments_for_staff(user)
        .filter(store=store, starts_at__gte=_midnight(monday), starts_at__lt=_midnight(monday + dt.timedelta(days=7)))
        .exclude(state=AppointmentState.CANCELLED)
        .annotate(day=TruncDate("starts_at", tzinfo=BUSINESS_TZ))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {row["day"]: row["n"] for row in rows}
    return [(monday + dt.timedelta(days=i), counts.get(monday + dt.timedelta(days=i), 0)) for i in range(7)]


@login_required
def appointment_day(request):
    dealer_scope(request.user)
    stores = list(stores_for(request.user).filter(is_active=True).order_by("code"))
    if not stores:
        raise Http404
    store = store_get(request.user, request.GET["store"]) if request.GET.get("store") else stores[0]
    day = _day(request.GET.get("day"))
    appointments = list(
        appointments_for_staff(request.user)
        .filter(store=store, starts_at__gte=_midnight(day), starts_at__lt=_midnight(day + dt.timedelta(days=1)))
        .select_related("vehicle", "customer")
        .order_by("starts_at", "id")
    )
    calendar = StoreCalendar.for_store(store)  # one calendar for the slots and the week strip
    slots = [
        (slot, [a for a in appointments if a.starts_at == slot.start])
        for slot in slots_available(store, day, include_past=True, calendar=calendar)
    ]
    week = _week_counts(request.user, store, day)
    on_grid = {slot.start for slot, _rows in slots}
    context = {
        "store": store, "stores": stores, "day": day, "slots": slots, "week": week,
        "closed_days": {d: calendar.closing_reason(d) for d, _n in week if not calendar.is_open_day(d)},
        "off_grid": [a for a in appointments if a.starts_at not in on_grid],
        "twins": open_twins(appointments),
        "day_input": JapaneseDateInput().render("day", day, attrs={"id": "day"}),
        "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
    }
    return render(request, "notifications/portal/appointments.html", context)


def _back(appointment) -> str:
    day = appointment.starts_at.astimezone(BUSINESS_TZ).date().isoformat()
    return f"{reverse('notifications:appointments')}?store={appointment.store_id}&day={day}"


@login_required
@require_http_methods(["POST"])
def appointment_action(request, appointment_id: int, action: str):
    appointment = appointment_get_for_staff(request.user, appointment_id)
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](appointment=appointment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, str(DONE_MESSAGES[action]))
    if request.POST.get("next") == "week":  # acted on from the week board: back to it
        day = appointment.starts_at.astimezone(BUSINESS_TZ).date()
        return redirect(f"{_week_url(appointment.store, day)}#booking-{appointment.pk}")
    return redirect(_back(appointment))


@login_required
@require_http_methods(["GET", "POST"])
def appointment_cancel_view(request, appointment_id: int):
    appointment = appointment_get_for_staff(request.user, appointment_id)
    if request.method == "POST":
        try:
            appointment_cancel_notify(appointment=appointment, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Appointment cancelled; the owner has been told."))
        return redirect(_back(appointment))
    return render(request, "notifications/portal/appointment_cancel.html", {"appointment": appointment, "back": _back(appointment)})


FREE_TO_PICK = 9  # free times offered on the propose page (about three days' worth)


class ProposeForm(forms.Form):
    """Pick free times from the list (issue 16) and/or type them; 1–3 in all."""

    picks = forms.MultipleChoiceField(
        label=gettext_lazy("Free times"), required=False, widget=forms.CheckboxSelectMultiple
    )
    first = JapaneseDateTimeField(label=gettext_lazy("First proposal"), required=False)
    second = JapaneseDateTimeField(label=gettext_lazy("Second proposal"), required=False)
    third = JapaneseDateTimeField(label=gettext_lazy("Third proposal"), required=False)

    def __init__(self, *args, free: Sequence[dt.datetime] = (), **kwargs):
        super().__init__(*args, **kwargs)
        picks = self.fields["picks"]
        assert isinstance(picks, forms.MultipleChoiceField)  # for the type checker
        picks.choices = [(at.isoformat(), datetime_label(at)) for at in free]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.times():
            raise ValidationError(_("Pick a free time or type one."))
        return cleaned

    def times(self) -> list[dt.datetime]:
        picked = [dt.datetime.fromisoformat(value) for value in self.cleaned_data.get("picks", [])]
        typed = [t for t in (self.cleaned_data.get(k) for k in ("first", "second", "third")) if t is not None]
        return picked + typed


def _free_to_pick(appointment) -> list[dt.datetime]:
    """Free times from the requested day on, spread over parts of days, to click instead of typing."""
    day_start = _midnight(appointment.starts_at.astimezone(BUSINESS_TZ).date())
    return alternatives(appointment.store, day_start, n=FREE_TO_PICK)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_propose_view(request, appointment_id: int):
    appointment = appointment_get_for_staff(request.user, appointment_id)
    form = ProposeForm(request.POST if request.method == "POST" else None, free=_free_to_pick(appointment))
    if request.method == "POST" and form.is_valid():
        try:
            appointment_propose_notify(appointment=appointment, alternatives=form.times(), actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Other times proposed; the owner has been told."))
            return redirect(_back(appointment))
    context = {"appointment": appointment, "form": form, "back": _back(appointment)}
    return render(request, "notifications/portal/appointment_propose.html", context, status=400 if form.errors else 200)


# -- the week board, moving a booking, phone bookings, the month's load (issue 14 §2) ----------


def _store_of(request):
    dealer_scope(request.user)
    stores = list(stores_for(request.user).filter(is_active=True).order_by("code"))
    if not stores:
        raise Http404
    store = store_get(request.user, request.GET["store"]) if request.GET.get("store") else stores[0]
    return store, stores


def _week_url(store, day: dt.date) -> str:
    return f"{reverse('notifications:appointments_week')}?store={store.pk}&week={day.isoformat()}"


@login_required
def appointment_week(request):
    store, stores = _store_of(request)
    day = _day(request.GET.get("week"))
    monday = day - dt.timedelta(days=day.weekday())
    calendar = StoreCalendar.for_store(store)
    rows = board_appointments(appointments_for_staff(request.user), store, monday, monday + dt.timedelta(days=6))
    context = {
        "store": store, "stores": stores, "board": week_board(store, monday, calendar, rows), "twins": open_twins(rows),
        "prev_week": monday - dt.timedelta(days=7), "next_week": monday + dt.timedelta(days=7),
        "week_input": JapaneseDateInput().render("week", monday, attrs={"id": "week"}), "now": timezone.now(),
    }
    return render(request, "notifications/portal/appointments_week.html", context)


@login_required
def appointment_month(request):
    store, stores = _store_of(request)
    first = _day(request.GET.get("month")).replace(day=1)
    last = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    rows = board_appointments(appointments_for_staff(request.user), store, first, last)
    days = month_load(store, first, StoreCalendar.for_store(store), rows)
    context = {
        "store": store, "stores": stores, "first": first, "days": days,
        "prev_month": (first - dt.timedelta(days=1)).replace(day=1), "next_month": last + dt.timedelta(days=1),
        "peak": max((d.capacity_hours for d in days), default=0) or 1,
    }
    return render(request, "notifications/portal/appointments_month.html", context)


class MoveForm(forms.Form):
    picks = forms.ChoiceField(label=gettext_lazy("Free times"), required=False, widget=forms.RadioSelect)
    typed = JapaneseDateTimeField(label=gettext_lazy("Or another time"), required=False)

    def __init__(self, *args, free: Sequence[dt.datetime] = (), **kwargs):
        super().__init__(*args, **kwargs)
        picks = self.fields["picks"]
        assert isinstance(picks, forms.ChoiceField)  # for the type checker
        picks.choices = [(at.isoformat(), datetime_label(at)) for at in free]

    def clean(self):
        cleaned = super().clean() or {}
        if not self.errors and not (cleaned.get("picks") or cleaned.get("typed")):
            raise ValidationError(_("Pick a free time or type one."))
        return cleaned

    def starts_at(self) -> dt.datetime:
        return self.cleaned_data.get("typed") or dt.datetime.fromisoformat(self.cleaned_data["picks"])


MOVE_CHOICES = 12


@login_required
@require_http_methods(["GET", "POST"])
def appointment_move_view(request, appointment_id: int):
    appointment = appointment_get_for_staff(request.user, appointment_id)
    store = appointment.store
    work = work_for(store, appointment.work_type)
    day_start = _midnight(appointment.starts_at.astimezone(BUSINESS_TZ).date())
    free = alternatives(store, day_start, n=MOVE_CHOICES, work=work)
    form = MoveForm(request.POST if request.method == "POST" else None, free=free)
    if request.method == "POST" and form.is_valid():
        try:
            moved = appointment_move_notify(appointment=appointment, starts_at=form.starts_at(), actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Booking moved; the owner has been told."))
            return redirect(_week_url(store, moved.starts_at.astimezone(BUSINESS_TZ).date()))
    back = _week_url(store, appointment.starts_at.astimezone(BUSINESS_TZ).date())
    context = {"appointment": appointment, "form": form, "back": back}
    return render(request, "notifications/portal/appointment_move.html", context, status=400 if form.errors else 200)


class PhoneBookingForm(forms.Form):
    vehicle = forms.IntegerField(widget=forms.HiddenInput)
    work_type = forms.ModelChoiceField(label=gettext_lazy("Work"), queryset=WorkType.objects.none(), empty_label=None)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)

    def __init__(self, *args, company_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        work = self.fields["work_type"]
        assert isinstance(work, forms.ModelChoiceField)  # for the type checker
        work.queryset = WorkType.objects.filter(company_id=company_id, is_active=True)


PHONE_SEARCH_LIMIT = 10


@login_required
@require_http_methods(["GET", "POST"])
def appointment_phone_new(request):
    """From an empty slot: find the car (the vehicle search), pick the work, book it confirmed."""
    store, _stores = _store_of(request)
    starts_at = _aware(request.GET.get("at"))
    if starts_at is None:
        raise Http404
    work_types_ensure(store.company_id)
    query = (request.GET.get("q") or "").strip()
    scoped = vehicles_for_staff(request.user).filter(company_id=store.company_id)
    found = list(search_filter(scoped, query).select_related("customer")[:PHONE_SEARCH_LIMIT]) if query else []
    form = PhoneBookingForm(request.POST if request.method == "POST" else None, company_id=store.company_id)
    context = {"store": store, "starts_at": starts_at, "query": query, "found": found, "form": form,
               "back": _week_url(store, starts_at.astimezone(BUSINESS_TZ).date())}
    if request.method == "POST" and form.is_valid():
        vehicle = scoped.filter(pk=form.cleaned_data["vehicle"]).select_related("customer").first()
        if vehicle is None:
            raise Http404
        try:
            result = appointment_phone_book(
                vehicle=vehicle, store=store, starts_at=starts_at, work_type=form.cleaned_data["work_type"],
                actor=request.user, note=form.cleaned_data["note"],
            )
        except PhoneBookingRefused as refused:
            form.add_error(None, _("This car already has an open booking for this work; change that one instead."))
            context["open_visit"] = refused.appointment
            return render(request, "notifications/portal/appointment_phone.html", context, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if result.appointment is not None:
                messages.success(request, _("Booked and confirmed; the owner has been told."))
                return redirect(context["back"])
            form.add_error(None, _("That time is no longer free for this work."))
            context["alternatives"] = result.alternatives
            return render(request, "notifications/portal/appointment_phone.html", context, status=409)
    return render(request, "notifications/portal/appointment_phone.html", context, status=400 if form.errors else 200)


def _aware(raw: str | None) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(raw or "")
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=BUSINESS_TZ)
