"""Streaming generated rows into PostgreSQL with COPY (psycopg 3), batch by batch.

Every COPY carries the rows of one batch for one table, in generate.TABLES order, so foreign
keys always point at rows already loaded. Ids of customers and vehicles are assigned by the
generator from their sequences, which are locked while the load runs and moved past it after.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connection
from django.db.models import Model

from vehicles.demo.generate import COLUMNS, TABLES
from vehicles.models import ConsentRecord, Contract, Customer, CustomerConsent, StoreRegistration, Vehicle

MODELS: dict[str, type[Model]] = {
    "customer": Customer, "vehicle": Vehicle, "contract": Contract, "registration": StoreRegistration,
    "consent": CustomerConsent, "consent_record": ConsentRecord,
}
assert set(MODELS) == set(TABLES)


def copy_statement(table: str) -> str:
    model = MODELS[table]
    qn = connection.ops.quote_name
    column = {field.name: str(field.column) for field in model._meta.concrete_fields}
    columns = ", ".join(qn(column[name]) for name in COLUMNS[table])
    return f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"


def lock_and_number(cursor, *models: type[Model]) -> list[int]:
    """Lock the tables against other writers and return the next id of each."""
    starts = []
    for model in models:
        table = model._meta.db_table
        cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN EXCLUSIVE MODE")
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        starts.append(cursor.fetchone()[0])
    return starts


def move_sequence_past(cursor, model: type[Model], last_id: int) -> None:
    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [model._meta.db_table, last_id])


def copy_batches(
    cursor, batches: Iterable[dict[str, list[str]]], *, progress: Callable[[int], None] | None = None
) -> Counter[str]:
    """COPY every batch; returns rows written per table.

    The batches are generated in this thread while a second thread copies the previous batch:
    psycopg releases the GIL while it waits for PostgreSQL, so generating (Python, one core)
    and loading (the server, the other core) overlap. At most two batches are in memory.
    """
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper (a thread may use it)
    statements = {table: copy_statement(table) for table in TABLES}
    written: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-copy") as loader:
        pending = None
        for batch in batches:
            if pending is not None:
                _report(pending.result(), written, progress)
            pending = loader.submit(_copy_batch, raw, statements, batch)
        if pending is not None:
            _report(pending.result(), written, progress)
    return written


def _copy_batch(raw_cursor, statements: dict[str, str], batch: dict[str, list[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for table in TABLES:
        lines = batch[table]
        if lines:
            with raw_cursor.copy(statements[table]) as copy:
                copy.write("".join(lines))
            counts[table] = len(lines)
    return counts


def _report(counts: Counter[str], written: Counter[str], progress: Callable[[int], None] | None) -> None:
    written.update(counts)
    if progress:
        progress(written["vehicle"])


@contextmanager
def checked_at_end(cursor) -> Iterator[None]:
    """Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: check the loaded rows right
    after the load (inside a test's never-committed transaction they would never be checked)."""
    yield
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def bulk_load_mode(cursor, models: Iterable[type[Model]]) -> Iterator[None]:
    """Without foreign keys and plain indexes during the load; both restored after it.

    Checking a foreign key once per row (millions of queued trigger events) and updating an
    index once per row are the slow part of a big COPY; re-adding a foreign key validates all
    rows with one join, and building an index sorts once. Unique and primary-key indexes stay.
    Run inside the loading transaction: if anything fails, the rollback restores the schema.
    """
    tables = [model._meta.db_table for model in models]
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'f' AND t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
        ORDER BY 1, 2
        """,
        [tables],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
          AND NOT i.indisunique AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE while checks are pending
    for table, name, _ in foreign_keys:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _, definition in indexes:
        cursor.execute(definition)
    for table, name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
