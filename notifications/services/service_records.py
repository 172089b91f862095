"""What a service record changes for notices, in the transaction that records it.

vehicles.services.service_records reports, through its hook (subscribed in
NotificationsConfig.ready), the cars whose shaken expiry rolled forward and the periodic
inspections done. Here, set-based: every pending delivery (waiting for the navi, queued for
e-mail) of the old expiry's shaken notices and of the done month's periodic notices is
cancelled, and a notice nothing of which was delivered yet is cancelled too. What was already
delivered stays (history is kept). The next cycle's notices follow from the new expiry in the
daily run with no other step; the periodic scan skips a done month (periodic_done_sql).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from notifications.models import Delivery, Notice, NoticeKind
from vehicles.selectors.service_records import periodic_done_range
from vehicles.services.service_records import AppliedChanges

EXPIRY_RENEWED = "expiry_renewed"  # the reason deliveries.deliveries_refresh_pending uses too
INSPECTION_DONE = "inspection_done"

_CANCEL_SQL = f"""
WITH targets AS MATERIALIZED (
    SELECT n.id FROM {Notice._meta.db_table} n
    JOIN unnest(%(vehicles)s::bigint[], %(kinds)s::text[], %(first)s::date[], %(last)s::date[]) AS x(vehicle_id, kind, first, last)
         ON n.vehicle_id = x.vehicle_id AND n.kind = x.kind AND n.event_date BETWEEN x.first AND x.last
), deliveries AS (
    UPDATE {Delivery._meta.db_table} d SET status = 'cancelled', last_error = %(reason)s
    WHERE d.notice_id IN (SELECT id FROM targets) AND d.status IN ('waiting', 'queued')
    RETURNING d.notice_id
), notices AS (
    UPDATE {Notice._meta.db_table} n SET status = 'cancelled', cancelled_at = %(now)s, cancel_reason = %(reason)s
    WHERE n.id IN (SELECT id FROM targets) AND n.status = 'queued'
    RETURNING n.id
)
SELECT count(*) FROM (SELECT notice_id FROM deliveries UNION SELECT id FROM notices) touched
"""  # noqa: S608 - names from model metadata; values are parameters


def _cancel(rows: Sequence[tuple[int, str, dt.date, dt.date]], reason: str) -> int:
    if not rows:
        return 0
    vehicles, kinds, first, last = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            _CANCEL_SQL,
            {"vehicles": vehicles, "kinds": kinds, "first": first, "last": last, "reason": reason, "now": timezone.now()},
        )
        return cursor.fetchone()[0]


def notices_cancel_for_service_records(changes: AppliedChanges) -> int:
    """Cancel what the recorded work made pointless; returns the notices touched."""
    expiries = [
        (vehicle_id, NoticeKind.SHAKEN.value, before, before)
        for vehicle_id, before, _after in changes.expiry_changes if before is not None
    ]
    periodic = [
        (vehicle_id, NoticeKind.PERIODIC.value, *periodic_done_range(performed_on))
        for vehicle_id, performed_on in changes.periodic_done
    ]
    return _cancel(expiries, EXPIRY_RENEWED) + _cancel(periodic, INSPECTION_DONE)
