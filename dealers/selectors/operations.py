"""What a load balancer and an orchestrator ask a process: is it alive, and can it serve?

Readiness checks each dependency the way a request would use it, with short timeouts, and answers
only "ok"/"down" per check: no data, no versions, no hostnames (the endpoint is public).
"Migrations applied" loads the migration graph (about 100 ms), so a process remembers a yes:
migrations are never unapplied under a running server, while a no is checked again each time.
"""

from __future__ import annotations

import logging
import uuid

from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

log = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0
_migrations_known_applied = False


def database_ready() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.warning("readiness: database unreachable", exc_info=True)
        return False


def migrations_applied() -> bool:
    global _migrations_known_applied
    if _migrations_known_applied:
        return True
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        log.warning("readiness: migration state unreadable", exc_info=True)
        return False
    _migrations_known_applied = not pending
    return _migrations_known_applied


def cache_ready() -> bool:
    """A write and a read back: a shared cache that accepts nothing would break rate limits."""
    key, value = "readyz:probe", uuid.uuid4().hex
    try:
        cache.set(key, value, timeout=30)
        return cache.get(key) == value
    except Exception:
        log.warning("readiness: cache unreachable", exc_info=True)
        return False


def broker_ready() -> bool:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
        return True
    except Exception:
        log.warning("readiness: broker unreachable", exc_info=True)
        return False


def readiness() -> dict[str, bool]:
    database = database_ready()
    return {
        "database": database,
        "migrations": database and migrations_applied(),
        "cache": cache_ready(),
        "broker": broker_ready(),
    }
