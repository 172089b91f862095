"""Reads of the daily run's record (one DailyRun row per business date)."""

from __future__ import annotations

import datetime as dt

from notifications.models import DailyRun


def daily_run_finished(*, business_date: dt.date) -> bool:
    """Whether the run of `business_date` has committed (a started, crashed run has not)."""
    return DailyRun.objects.filter(business_date=business_date, finished_at__isnull=False).exists()
