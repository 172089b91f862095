"""Refresh the Results funnel's day rows (FunnelDay): one set-based statement per refresh.

A day's figures keep moving after its notices are sent (deliveries, reads, replies, bookings,
visits come later), so recent days are recounted often and the whole reportable year nightly.
A refresh replaces the rows of its date range in one transaction: readers see the old rows or
the new ones, never a half. Refreshes take turns (an advisory lock), so the frequent and the
nightly one never interleave their deletes and inserts.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from notifications.models import FunnelDay, Notice
from notifications.selectors.funnel import FUNNEL_KINDS, STEPS, funnel_aggregate

RECENT_DAYS = 62  # recounted every 10 minutes: replies and bookings mostly come within weeks
YEAR_DAYS = 366  # recounted nightly: the longest period the Results page shows
_LOCK_KEY = 72_000_101

_TABLE = FunnelDay._meta.db_table
_COLUMNS = ", ".join(["company_id", "store_id", "kind", "send_on", *STEPS, "refreshed_at"])


@transaction.atomic
def funnel_days_refresh(*, since: dt.date, until: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Recount the funnel of notices sent from `since` to `until` (default: today); returns the
    number of day rows written."""
    until = until or timezone.localdate()
    now = now or timezone.now()
    notices = Notice.objects.filter(kind__in=FUNNEL_KINDS, send_on__gte=since, send_on__lte=until)
    select_sql, params = funnel_aggregate(notices, "company_id", "vehicle__store_id", "kind", "send_on").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        cursor.execute(f"DELETE FROM {_TABLE} WHERE send_on BETWEEN %s AND %s", [since, until])  # noqa: S608
        # The aggregate's columns are the four groups, then the steps, in _COLUMNS' order.
        cursor.execute(f"INSERT INTO {_TABLE} ({_COLUMNS}) SELECT f.*, %s FROM ({select_sql}) AS f", [now, *params])  # noqa: S608
        return cursor.rowcount


def funnel_days_refresh_recent(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return funnel_days_refresh(since=today - dt.timedelta(days=RECENT_DAYS), until=today)


def funnel_days_refresh_year(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return funnel_days_refresh(since=today - dt.timedelta(days=YEAR_DAYS), until=today)
