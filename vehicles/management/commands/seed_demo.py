"""manage.py seed_demo: fictional dealers, stores, logins and N vehicles with their owners."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from vehicles.demo.base import DEMO_PASSWORD
from vehicles.demo.seed import DemoDataExists, demo_is_seeded, demo_seed

MAX_VEHICLES = 20_000_000
MAX_STORES = 500
NOT_EMPTY = "the database already has dealer companies; seed_demo only fills an empty database"


def _positive(limit: int):
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError(value) from None
        if not 1 <= number <= limit:
            raise ValueError(value)
        return number

    parse.__name__ = f"whole number from 1 to {limit:,}"  # argparse shows this name on errors
    return parse


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


_date.__name__ = "date (YYYY-MM-DD)"


class Command(BaseCommand):
    help = (
        "Load the demo data set: 3 fictional dealer companies, their stores and calendars, demo logins "
        f"(password {DEMO_PASSWORD}, staff with the demo TOTP) and N vehicles with owners, contracts, "
        "store registrations and consents. Same --seed and --as-of give the same rows. Refuses a "
        "database that already has dealer companies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--vehicles", type=_positive(MAX_VEHICLES), default=2000, help="Vehicles (default 2000).")
        parser.add_argument("--stores", type=_positive(MAX_STORES), default=12, help="Stores (default 12).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="The data's 'today' (YYYY-MM-DD): shaken expiries and contracts are spread around it. "
            "Default: today in Japan.",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (exit 0) when dealer companies already exist."
        )

    def handle(self, *args, vehicles: int, stores: int, seed: int, as_of: dt.date | None, if_empty: bool, **options):
        if demo_is_seeded():
            if if_empty:
                self.stdout.write("seed_demo: dealer companies exist already; nothing to do.")
                return
            raise CommandError(NOT_EMPTY)
        as_of = as_of or timezone.localdate()
        started = time.monotonic()
        step = max(20_000, vehicles // 10)
        shown = [0]

        def progress(stage: str, done: int) -> None:
            elapsed = f"{time.monotonic() - started:7.1f} s"
            if stage == "vehicles" and (done - shown[0] >= step or done == vehicles):
                shown[0] = done
                self.stdout.write(f"  {elapsed}  vehicles {done:>11,} / {vehicles:,}")
            elif stage == "loaded":
                self.stdout.write(f"  {elapsed}  rebuilding indexes and checking foreign keys…")
            elif stage == "constraints":
                self.stdout.write(f"  {elapsed}  foreign keys and indexes restored")
            elif stage == "statistics":
                self.stdout.write(f"  {elapsed}  statistics updated (ANALYZE)")

        self.stdout.write(f"seed_demo: {vehicles:,} vehicles, {stores} stores, seed {seed}, as of {as_of}")
        try:
            result = demo_seed(vehicles=vehicles, stores=stores, seed=seed, as_of=as_of, progress=progress)
        except DemoDataExists:
            raise CommandError(NOT_EMPTY) from None
        rows = ", ".join(f"{count:,} {table}" for table, count in result.rows.items())
        self.stdout.write(self.style.SUCCESS(f"seed_demo: done in {time.monotonic() - started:.1f} s ({rows})"))
