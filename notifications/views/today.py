"""The Today page: the front desk's work for the day (it reads every app, so it lives here)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from notifications.models import NoticeKind
from notifications.selectors.today import today_board


@login_required
def today(request):
    board = today_board(request.user)  # 404 for anyone but dealer staff
    kinds = [(k.value, k.label) for k in NoticeKind if k not in (NoticeKind.APPOINTMENT, NoticeKind.INQUIRY_ANSWER)]
    return render(request, "notifications/portal/today.html", {"board": board, "kinds": kinds})
