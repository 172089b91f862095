"""Deliveries per channel, set-based: create, un-pause paired navis, cancel stale, deliver inboxes.

Channel routing (issue 3):
- navi: only cars with a T-Connect navigation unit; "waiting" until the navi is paired with a
  phone (the unit shows mail only then), then delivered;
- app: every notice (the app inbox is per vehicle, whether or not the owner has an account yet);
- email: where the owner has an address and consents to the category (safety always).
navi and app are inbox channels: "delivered" means visible in the inbox, which is immediate
(the daily run's scans write them delivered; queued inbox rows of other senders are delivered
by `inbox_deliver_due` in one UPDATE). E-mail goes through the outbox (services.outbox).

Public for other senders: `deliveries_create` (deliveries of queued notices of a date range,
optionally one kind / source), `inbox_deliver_due`, `deliveries_refresh`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from notifications.models import Channel, Delivery, NoticeKind, NoticeStatus
from notifications.services.eligibility import NOTICE_TABLE, consent_ok_sql
from vehicles.models import Equipment
from vehicles.models.recalls import RecallStatus, RecallTarget

DELIVERY_TABLE = Delivery._meta.db_table

_CREATE_SQL = f"""
INSERT INTO {DELIVERY_TABLE} (notice_id, channel, status, next_attempt_at)
SELECT n.id, ch.channel, ch.status, %(now)s
FROM {NOTICE_TABLE} n
JOIN vehicles_vehicle v ON v.id = n.vehicle_id
LEFT JOIN vehicles_customer cu ON cu.id = n.customer_id
CROSS JOIN LATERAL (VALUES
    ('{Channel.NAVI.value}', CASE WHEN v.navi_paired THEN 'queued' ELSE 'waiting' END, v.equipment = '{Equipment.NAVI.value}'),
    ('{Channel.APP.value}', 'queued', TRUE),
    ('{Channel.EMAIL.value}', 'queued', COALESCE(cu.email, '') <> '' AND {consent_ok_sql("n.category", "n.customer_id")})
) AS ch(channel, status, wanted)
WHERE ch.wanted AND n.status = '{NoticeStatus.QUEUED.value}' AND n.send_on > %(after)s AND n.send_on <= %(on)s
  {{extra}}
ON CONFLICT (notice_id, channel) DO NOTHING
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def deliveries_create(
    *, send_after: dt.date, send_on: dt.date, kind: str | None = None, source_id: int | None = None, now: dt.datetime | None = None
) -> int:
    """Create the deliveries of queued notices with send_on in (send_after, send_on], optionally
    only of one kind / source (e.g. one dealer event), due from `now`. Idempotent. Returns rows created."""
    extra = ""
    params: dict[str, object] = {"after": send_after, "on": send_on, "now": now or timezone.now()}
    if kind is not None:
        extra += " AND n.kind = %(kind)s"
        params["kind"] = kind
    if source_id is not None:
        extra += " AND n.source_id = %(source_id)s"
        params["source_id"] = source_id
    return _execute(_CREATE_SQL.replace("{extra}", extra), params)


def with_deliveries_sql(notice_insert_sql: str) -> str:
    """Wrap `INSERT INTO notice … RETURNING id, vehicle_id, customer_id` so the same statement
    inserts the new notices' deliveries: navi (paired → delivered at once, else waiting), app
    (delivered at once: the inbox shows it), e-mail (queued for the outbox) where the owner has
    an address. The scans insert only notices whose consent is given (safety: always), so no
    second consent check is needed here. Needs %(now)s; returns (notices, deliveries) inserted."""
    return f"""
    WITH ins AS ({notice_insert_sql}),
    dl AS (
        INSERT INTO {DELIVERY_TABLE} (notice_id, channel, status, attempts, next_attempt_at, delivered_at)
        SELECT ins.id, ch.channel, ch.status, ch.attempts, %(now)s, ch.delivered_at
        FROM ins
        JOIN vehicles_vehicle v ON v.id = ins.vehicle_id
        LEFT JOIN vehicles_customer cu ON cu.id = ins.customer_id
        CROSS JOIN LATERAL (VALUES
            ('{Channel.NAVI.value}', CASE WHEN v.navi_paired THEN 'delivered' ELSE 'waiting' END,
             CASE WHEN v.navi_paired THEN 1 ELSE 0 END, CASE WHEN v.navi_paired THEN %(now)s END,
             v.equipment = '{Equipment.NAVI.value}'),
            ('{Channel.APP.value}', 'delivered', 1, %(now)s, TRUE),
            ('{Channel.EMAIL.value}', 'queued', 0, NULL, COALESCE(cu.email, '') <> '')
        ) AS ch(channel, status, attempts, delivered_at, wanted)
        WHERE ch.wanted
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM dl)
    """  # noqa: S608 - names from model metadata and enums; values are parameters


# Which pending deliveries are stale, per kind (alias n = notice, v = vehicle). A stale delivery
# is cancelled (and its notice, if nothing was delivered yet), so unpaired navis do not pile up
# outdated messages and a renewed expiry stops the old expiry's stages.
_STALE_RULES = {
    "expiry_renewed": f"n.kind = '{NoticeKind.SHAKEN.value}' AND n.event_date IS DISTINCT FROM v.shaken_expiry",
    "event_passed": (
        f"(n.kind = '{NoticeKind.SHAKEN.value}' AND n.stage <> 'lapsed' AND n.event_date < %(on)s)"
        f" OR (n.kind = '{NoticeKind.PERIODIC.value}' AND (n.event_date + interval '1 month')::date <= %(on)s)"
    ),
    "recall_closed": (
        f"n.kind = '{NoticeKind.RECALL.value}' AND NOT EXISTS (SELECT 1 FROM {RecallTarget._meta.db_table} t "  # noqa: S608
        f"WHERE t.id = n.source_id AND t.vehicle_id = n.vehicle_id AND t.status = '{RecallStatus.NOT_DONE.value}')"
    ),
}


def deliveries_refresh_pending(*, on: dt.date, now: dt.datetime) -> tuple[int, int]:
    """One pass over the pending (waiting / queued) deliveries (see deliveries_refresh):
    - cancel those that no longer make sense on `on` (_STALE_RULES; the reason is kept in
      last_error, and in cancel_reason of a notice nothing of which was delivered yet);
    - queue the navi deliveries waiting for pairing whose car's navi is paired now.
    Returns (cancelled, unpaused).

    Plan stability: the pass is driven by the deliveries' partial indexes with a per-row
    LATERAL lookup of notice and car, and the updates go by `id = ANY(ARRAY(…))`, so the plan
    does not depend on the notice/delivery statistics (which may say "empty" in a young system).
    """
    reason = " ".join(f"WHEN {rule} THEN '{name}'" for name, rule in _STALE_RULES.items())
    # One UPDATE per reason, each selecting its rows by id = ANY(ARRAY(…)) (index lookups).
    cancel_ctes = ", ".join(
        f"""cancelled_{i} AS (
            UPDATE {DELIVERY_TABLE} SET status = 'cancelled', last_error = '{name}'
            WHERE id = ANY(ARRAY(SELECT id FROM pending WHERE reason = '{name}'))
            RETURNING notice_id)"""  # noqa: S608 - names from model metadata and enums
        for i, name in enumerate(_STALE_RULES)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH pending AS MATERIALIZED (
                    SELECT d.id, d.status, x.reason, x.paired
                    FROM {DELIVERY_TABLE} d
                    CROSS JOIN LATERAL (
                        SELECT CASE {reason} END AS reason, v.navi_paired AS paired
                        FROM {NOTICE_TABLE} n JOIN vehicles_vehicle v ON v.id = n.vehicle_id WHERE n.id = d.notice_id
                        OFFSET 0  -- keep it a per-row lookup (not a hash join over all vehicles)
                    ) x
                    WHERE d.status = 'waiting' OR d.status = 'queued'
                ), {cancel_ctes}, cancelled AS (
                    {" UNION ALL ".join(f"SELECT notice_id FROM cancelled_{i}" for i in range(len(_STALE_RULES)))}
                ), notices AS (
                    UPDATE {NOTICE_TABLE} n SET status = 'cancelled', cancelled_at = %(now)s,
                        cancel_reason = (SELECT CASE {reason} END FROM vehicles_vehicle v WHERE v.id = n.vehicle_id)
                    WHERE n.id = ANY(ARRAY(SELECT notice_id FROM cancelled)) AND n.status = 'queued'
                ), unpaused AS (
                    UPDATE {DELIVERY_TABLE} SET status = 'queued', next_attempt_at = %(now)s
                    WHERE id = ANY(ARRAY(SELECT id FROM pending WHERE status = 'waiting' AND reason IS NULL AND paired))
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM cancelled), (SELECT count(*) FROM unpaused)""",  # noqa: S608 - names from model metadata and enums; values are parameters
            {"on": on, "now": now},
        )
        cancelled, unpaused = cursor.fetchone()
    return cancelled, unpaused


@dataclass(frozen=True)
class RefreshResult:
    cancelled: int
    unpaused: int
    inbox_delivered: int


@transaction.atomic
def deliveries_refresh(*, on: dt.date | None = None, now: dt.datetime | None = None) -> RefreshResult:
    """The pending-deliveries pass (beat, every 15 minutes, and after each daily run): cancel
    stale ones, queue navi ones whose car has been paired, and show queued inbox rows.

    Kept out of the daily run's transaction on purpose: its cost grows with the pile of navi
    messages waiting for unpaired cars, not with the day's notices, and running it often means
    a navi shows its mail within minutes of being paired instead of the next morning.
    """
    now = now or timezone.now()
    cancelled, unpaused = deliveries_refresh_pending(on=on or timezone.localdate(now), now=now)
    return RefreshResult(cancelled=cancelled, unpaused=unpaused, inbox_delivered=inbox_deliver_due(now=now))


def inbox_deliver_due(*, now: dt.datetime) -> int:
    """Queued navi/app deliveries become delivered (visible in the inbox); notices become sent."""
    return _fetch_count(
        f"""WITH delivered AS (
                UPDATE {DELIVERY_TABLE} SET status = 'delivered', delivered_at = %(now)s, attempts = attempts + 1
                WHERE status = 'queued' AND channel IN ('navi', 'app') AND next_attempt_at <= %(now)s
                RETURNING notice_id
            ), sent AS (
                UPDATE {NOTICE_TABLE} n SET status = 'sent'
                WHERE n.id = ANY(ARRAY(SELECT notice_id FROM delivered)) AND n.status = 'queued'
            )
            SELECT count(*) FROM delivered""",  # noqa: S608 - names from model metadata and enums; values are parameters
        {"now": now},
    )


def _execute(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _fetch_count(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
