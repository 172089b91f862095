"""Heavy portal reads from a streaming replica (DATABASE_REPLICA_URL), never a stale page for
the user who just wrote, never a page from a replica that has fallen behind.

Which reads: the views named in settings.DATABASE_REPLICA_VIEWS (lists, search, results,
exports), for GET/HEAD only. Everything else, and every write, uses the primary.

Read-your-writes by WAL position, not by a timer: after a user's unsafe request the middleware
notes the primary's current WAL insert position in the shared cache; that user's
heavy reads go to the replica only once the replica has replayed past it. Lag: a replica whose
replay is more than DATABASE_REPLICA_MAX_LAG_SECONDS behind its last received transaction
(0 when it has replayed all it received, so an idle primary does not look like lag) is skipped.
Both facts come from one statement on the replica per heavy request; if the replica cannot be
reached the primary serves.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
_reads_from_replica: ContextVar[bool] = ContextVar("reads_from_replica", default=False)

_REPLICA_STATE_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn()::text,
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END
"""


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _written_key(user_id: int) -> str:
    return f"replica:written:{user_id}"


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def note_write(user_id: int) -> None:
    """After a user's unsafe request: the primary's WAL position their next reads must see."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        (position,) = cursor.fetchone()
    cache.set(_written_key(user_id), position, settings.DATABASE_REPLICA_STICKY_SECONDS)


def replica_usable(user_id: int | None) -> bool:
    """True when the replica is reachable, not lagging, and has this user's last write."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_REPLICA_STATE_SQL)
            in_recovery, replayed, lag = cursor.fetchone()
    except Exception:
        log.warning("replica unreachable: reading from the primary", exc_info=True)
        return False
    if not in_recovery or replayed is None:  # promoted or not a standby: do not guess
        return False
    if float(lag) > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
        return False
    written = cache.get(_written_key(user_id)) if user_id is not None else None
    return written is None or _lsn(replayed) >= _lsn(written)


def replica_reads_enable() -> None:
    _reads_from_replica.set(True)


def replica_reads_reset() -> None:
    _reads_from_replica.set(False)


def reading_from_replica() -> bool:
    return _reads_from_replica.get()


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads go to the replica only inside a request the middleware
    chose for it; writes, migrations and everything else stay on the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reads_from_replica.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same database, one copy behind

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
