"""demo_seed: the whole demo data set in one transaction (all of it or nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from dealers.models import DealerCompany, User
from dealers.services.audit import audit_record
from vehicles.demo import base
from vehicles.demo.copy import (
    MODELS,
    bulk_load_mode,
    checked_at_end,
    copy_batches,
    lock_and_number,
    move_sequence_past,
)
from vehicles.demo.generate import Plan, generate
from vehicles.demo.rng import Rng
from vehicles.models import Customer, Vehicle

# From this many vehicles on, foreign keys and plain indexes are dropped for the load and
# restored after it (below, the rebuild costs more than it saves).
BULK_FROM = 50_000


# What the layer above adds to a fresh demo (notifications: notices, replies, a booked visit, a
# warning follow-up), without this layer importing upward: it subscribes at start-up
# (NotificationsConfig.ready) and is called inside the seeding transaction.
DemoSeededHandler = Callable[["SeedResult"], None]
_seeded_handlers: list[DemoSeededHandler] = []


def demo_seeded_subscribe(handler: DemoSeededHandler) -> None:
    if handler not in _seeded_handlers:
        _seeded_handlers.append(handler)


class DemoDataExists(Exception):
    """The database already has dealer data; seeding again would mix two demo sets."""


@dataclass(frozen=True)
class SeedResult:
    plan: Plan
    rows: dict[str, int]
    users: dict[str, User]


def demo_is_seeded() -> bool:
    return DealerCompany.objects.exists()


@transaction.atomic
def demo_seed(
    *,
    vehicles: int,
    stores: int,
    seed: int,
    as_of: dt.date,
    progress: Callable[[str, int], None] | None = None,
    bulk_from: int = BULK_FROM,
) -> SeedResult:
    """Steps: lock out a concurrent seed and refuse a non-empty database; create companies,
    stores, calendars, service availability and the demo logins through the ORM; COPY the
    generated customers, vehicles, contracts, registrations and consents; move the id
    sequences past the loaded rows; ANALYZE; let the subscribers add the day's activity
    (demo_seeded_subscribe); write the audit entry.

    progress(stage, vehicles loaded) is called after each batch ("vehicles"); for big loads
    before ("loaded") and after ("constraints") foreign keys and indexes are restored; and
    after ANALYZE ("statistics").
    """
    report = progress or (lambda stage, done: None)
    if vehicles < 1 or stores < 1:
        raise ValueError("vehicles and stores must be at least 1")
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {DealerCompany._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        if demo_is_seeded():
            raise DemoDataExists("The database already has dealer companies.")
        rng = Rng(f"{seed}/dealers")  # its own stream: store count must not shift the vehicles
        specs = base.create_stores(count=stores, rng=rng)
        base.create_holidays(stores=specs, as_of=as_of)
        base.create_availability()
        users = base.create_logins(stores=specs)
        customer_start, vehicle_start = lock_and_number(cursor, Customer, Vehicle)
        plan = Plan(
            seed=seed, vehicles=vehicles, as_of=as_of, stores=tuple(specs), customer_id_start=customer_start,
            vehicle_id_start=vehicle_start, owner_user_id=users["owner"].pk, owner_email=base.OWNER_EMAIL,
        )
        big = vehicles >= bulk_from
        with bulk_load_mode(cursor, MODELS.values()) if big else checked_at_end(cursor):
            rows = copy_batches(cursor, generate(plan), progress=lambda done: report("vehicles", done))
            if big:
                report("loaded", rows["vehicle"])
        if big:
            report("constraints", rows["vehicle"])
        move_sequence_past(cursor, Customer, customer_start + rows["customer"] - 1)
        move_sequence_past(cursor, Vehicle, vehicle_start + rows["vehicle"] - 1)
        for model in MODELS.values():  # fresh statistics, or the first queries plan for empty tables
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        report("statistics", rows["vehicle"])
    result = SeedResult(plan=plan, rows=dict(rows), users=users)
    for handler in _seeded_handlers:
        handler(result)
    audit_record(
        action="demo.seed", target=DealerCompany.objects.get(pk=specs[0].company_id), actor=None, seed=seed,
        as_of=as_of.isoformat(), stores=stores, **{f"{table}_rows": count for table, count in rows.items()},
    )
    return result
