"""Inquiries: the stores' queue (most urgent first) and answering one; the answer reaches the
owner as a notice (notifications.services.inquiries)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from dealers.forms.dates import JapaneseDateTimeField
from dealers.selectors.keyset import keyset_page
from dealers.views.portal import dealer_scope, query_without
from notifications.models import InquiryStatus
from notifications.selectors.replies import inquiries_for_staff, inquiry_get_for_staff
from notifications.services.inquiries import inquiry_answer, inquiry_close

PAGE_SIZE = 50


class AnswerForm(forms.Form):
    answer = forms.CharField(label=gettext_lazy("Answer"), widget=forms.Textarea(attrs={"rows": 6}))
    time1 = JapaneseDateTimeField(label=gettext_lazy("Offer a visit time (optional)"), required=False)
    time2 = JapaneseDateTimeField(label=gettext_lazy("Another time (optional)"), required=False)
    time3 = JapaneseDateTimeField(label=gettext_lazy("Another time (optional)"), required=False)

    def times(self):
        return [t for t in (self.cleaned_data.get(f"time{i}") for i in (1, 2, 3)) if t is not None]


@login_required
def inquiry_queue(request):
    dealer_scope(request.user)
    status = request.GET.get("status") or InquiryStatus.OPEN
    if status not in InquiryStatus.values:
        status = InquiryStatus.OPEN
    qs = inquiries_for_staff(request.user).filter(status=status)
    order = ("due_at", "id") if status == InquiryStatus.OPEN else ("created_at", "id")
    page = keyset_page(qs, order=order, size=PAGE_SIZE, after=request.GET.get("after"), before=request.GET.get("before"))
    context = {"page": page, "status": status, "statuses": InquiryStatus.choices, "now": timezone.now(),
               "query": query_without(request, "after", "before")}
    return render(request, "notifications/portal/inquiries.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_detail(request, inquiry_id: int):
    inquiry = inquiry_get_for_staff(request.user, inquiry_id)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry_answer(inquiry=inquiry, answer=form.cleaned_data["answer"], actor=request.user,
                           proposed_times=form.times())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Answer sent to the owner."))
            return redirect("notifications:inquiries")
    context = {"inquiry": inquiry, "form": form, "now": timezone.now()}
    return render(request, "notifications/portal/inquiry.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["POST"])
def inquiry_close_view(request, inquiry_id: int):
    inquiry = inquiry_get_for_staff(request.user, inquiry_id)
    try:
        inquiry_close(inquiry=inquiry, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Inquiry closed without an answer."))
    return redirect("notifications:inquiries")
