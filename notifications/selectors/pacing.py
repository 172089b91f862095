"""The e-mail backlog per destination domain group: how many wait and since when (admin, logs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from notifications.models import Delivery, DomainGroup, Notice
from notifications.services.pacing import pace_per_second


@dataclass(frozen=True)
class Backlog:
    group: str
    waiting: int
    oldest: dt.datetime | None

    def oldest_age(self, now: dt.datetime) -> dt.timedelta | None:
        return now - self.oldest if self.oldest else None

    @property
    def drain_time(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.waiting / pace_per_second(self.group))


def _group_sql() -> tuple[str, dict]:
    return (
        "CASE WHEN lower(split_part(cu.email, '@', 2)) = ANY(%(carrier)s) THEN 'carrier' "
        "WHEN lower(split_part(cu.email, '@', 2)) = ANY(%(freemail)s) THEN 'freemail' ELSE 'other' END",
        {"carrier": [d.lower() for d in settings.MAIL_CARRIER_DOMAINS],
         "freemail": [d.lower() for d in settings.MAIL_FREEMAIL_DOMAINS]},
    )


def mail_backlog() -> list[Backlog]:
    """Queued e-mail deliveries per group with the oldest one's creation time: one scan of the
    queued rows (the partial index of the outbox)."""
    group_sql, params = _group_sql()
    sql = f"""
        SELECT {group_sql} AS grp, count(*), min(d.created_at)
        FROM {Delivery._meta.db_table} d JOIN {Notice._meta.db_table} n ON n.id = d.notice_id
        LEFT JOIN vehicles_customer cu ON cu.id = n.customer_id
        WHERE d.status = 'queued' AND d.channel = 'email'
        GROUP BY grp
    """  # noqa: S608 - table names from model metadata; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {group: Backlog(group, waiting, oldest) for group, waiting, oldest in cursor.fetchall()}
    return [found.get(group, Backlog(group, 0, None)) for group in DomainGroup.values]


def backlog_summary(backlogs: list[Backlog] | None = None, now: dt.datetime | None = None) -> str:
    """One log line: 'carrier 1200 (oldest 14 min), freemail 0, other 35 (oldest 1 min)'."""
    now = now or timezone.now()
    parts = []
    for backlog in backlogs if backlogs is not None else mail_backlog():
        age = backlog.oldest_age(now)
        parts.append(f"{backlog.group} {backlog.waiting}" + (f" (oldest {int(age.total_seconds() // 60)} min)" if age else ""))
    return ", ".join(parts)
