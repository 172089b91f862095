"""The daily run: every notice due on a business date, idempotently, with catch-up.

Steps, all in one transaction (a crash leaves nothing behind; the next run redoes the day):
1. serialise runs (advisory lock); refuse a date earlier than one already finished;
2. find the window (after, on]: `after` = the last finished business date before `on`
   (at most MAX_CATCH_UP_DAYS back; the day before when there is none), so missed days are
   caught up (schedules: only the latest relevant stage of each due event);
3. make sure every company has a ReminderPolicy (defaults); refresh every car's driving pace
   and next maintenance due dates (vehicles.services.maintenance, set-based);
4. insert the notices: shaken, periodic, recall, maintenance (one INSERT … SELECT … ON CONFLICT each,
   which also inserts their deliveries: inbox channels delivered at once, e-mail queued); shaken
   and periodic stages with a send range are paced to each store's capacity
   (services.reminder_pacing: a budget per store; the cars are chosen in the same statement);
5. create deliveries for other queued notices due in the window (scheduled by other senders);
   refresh the statistics of the notice tables if they are far behind;
6. deliver the queued inbox deliveries (navi/app);
7. record the date as finished; after commit, queue the pending-deliveries pass
   (deliveries.deliveries_refresh: renewed expiries and other stale messages cancelled, navis
   paired since un-paused; also on its own every 15 minutes) and the e-mail outbox.
A second run for a finished date only does steps 5 to 7 (its notices were inserted by the
first; `rescan=True` does the scans again, inserting only what is missing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import DealerCompany
from dealers.services.queueing import task_queue_on_commit
from notifications.models import DailyRun, Delivery, Notice, ReminderPolicy
from notifications.services import deliveries, notice_scan, reminder_pacing
from vehicles.services.maintenance import maintenance_refresh

MAX_CATCH_UP_DAYS = 62
# pg_advisory_xact_lock key: "daily run" (any constant shared by all runs).
_LOCK_KEY = 0x7C0DA11


class DailyRunError(Exception):
    """The run cannot be done for this date (message is user-facing)."""


@dataclass
class DailyRunResult:
    business_date: dt.date
    caught_up_from: dt.date | None  # first send date of the window; None: not scanned
    notices: dict[str, int] = field(default_factory=dict)
    deliveries_created: int = 0
    inbox_delivered: int = 0

    @property
    def scanned(self) -> bool:
        return self.caught_up_from is not None

    @property
    def notices_created(self) -> int:
        return sum(self.notices.values())

    def as_counts(self) -> dict:
        data = asdict(self)
        data.pop("business_date")
        data["caught_up_from"] = self.caught_up_from.isoformat() if self.caught_up_from else None
        return data


def _window(business_date: dt.date, now: dt.datetime, *, rescan: bool) -> notice_scan.Window:
    """(after, on]: from the last finished date before `on`; empty when `on` itself has finished
    (its notices were inserted then) unless `rescan`."""
    later = DailyRun.objects.filter(business_date__gt=business_date, finished_at__isnull=False).order_by("business_date").first()
    if later is not None:
        raise DailyRunError(
            _("The daily run for %(later)s has already finished; runs only go forward (asked for %(date)s).")
            % {"later": later.business_date.isoformat(), "date": business_date.isoformat()}
        )
    if not rescan and DailyRun.objects.filter(business_date=business_date, finished_at__isnull=False).exists():
        return notice_scan.Window(after=business_date, on=business_date, now=now)
    last = (
        DailyRun.objects.filter(business_date__lt=business_date, finished_at__isnull=False)
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .first()
    )
    earliest = business_date - dt.timedelta(days=MAX_CATCH_UP_DAYS)
    after = business_date - dt.timedelta(days=1) if last is None else max(last, earliest)
    return notice_scan.Window(after=after, on=business_date, now=now)


def _policies_ensure() -> list[ReminderPolicy]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {ReminderPolicy._meta.db_table} (company_id, updated_at)
                SELECT id, now() FROM {DealerCompany._meta.db_table} ON CONFLICT (company_id) DO NOTHING"""  # noqa: S608 - names from model metadata and enums; values are parameters
        )
    return list(ReminderPolicy.objects.all())


def _insert_notices(window: notice_scan.Window, policies: list[ReminderPolicy]) -> dict[str, notice_scan.Inserted]:
    if window.after >= window.on:
        return {kind: notice_scan.Inserted() for kind in ("shaken", "periodic", "recall", "maintenance")}
    # Reminders paced to each store's capacity (issue 14 §3) when a company gives stages a send
    # range; the budgets are a few numbers per store, read once, and each scan sees what the
    # ones before it (and any earlier run of the day) sent.
    budgets = reminder_pacing.pacing_budgets(on=window.on) if notice_scan.policies_paced(policies) else None

    def table(kind: str) -> dict | None:
        return None if budgets is None else reminder_pacing.budget_table(budgets, kind=kind, on=window.on)

    return {
        "shaken": notice_scan.shaken_insert(window=window, policies=policies, budgets=table("shaken")),
        "periodic": notice_scan.periodic_insert(window=window, policies=policies, budgets=table("periodic")),
        "recall": notice_scan.recall_insert(window=window),
        "maintenance": notice_scan.maintenance_insert(window=window, policies=policies),
    }


def _maintenance_refresh(window: notice_scan.Window, now: dt.datetime) -> None:
    """Every car's pace and next due dates, before the scans read them (vehicles.services.maintenance)."""
    if window.after < window.on:
        maintenance_refresh(on=window.on, now=now)


@transaction.atomic
def daily_run(*, business_date: dt.date, queue_outbox: bool = True, rescan: bool = False) -> DailyRunResult:
    """Run the notices of `business_date` (Asia/Tokyo); see the module docstring for the steps.

    A date that has finished is not scanned again (its state was sampled then); `rescan=True`
    scans its window again, e.g. after correcting data the same morning (idempotent either way).
    `queue_outbox=False` leaves the e-mail to the caller (manage.py run_daily sends at once)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    now = timezone.now()
    window = _window(business_date, now, rescan=rescan)
    scanned = window.after < window.on
    result = DailyRunResult(business_date=business_date, caught_up_from=window.after + dt.timedelta(days=1) if scanned else None)
    policies = _policies_ensure()
    _maintenance_refresh(window, now)
    inserted = _insert_notices(window, policies)
    result.notices = {kind: counts.notices for kind, counts in inserted.items()}
    # The scans insert their notices' deliveries; this picks up notices other senders
    # scheduled for the window (e.g. dealer events) that have none yet.
    result.deliveries_created = sum(counts.deliveries for counts in inserted.values()) + deliveries.deliveries_create(
        send_after=window.after, send_on=window.on, now=now
    )
    _statistics_refresh(notices=result.notices_created, deliveries=result.deliveries_created)
    result.inbox_delivered = deliveries.inbox_deliver_due(now=now)
    DailyRun.objects.update_or_create(
        business_date=business_date, defaults={"started_at": now, "finished_at": timezone.now(), "counts": result.as_counts()}
    )
    if queue_outbox:
        _queue_outbox()  # the every-minute outbox scan catches up
    return result


def _statistics_refresh(*, notices: int, deliveries: int) -> None:
    """ANALYZE the notice / delivery table when this run inserted more rows than its statistics
    say it holds (a young system: the first runs, or after a bulk import).

    The later steps join these tables; planned on "empty" statistics they become nested loops
    over full scans (minutes instead of milliseconds at a million vehicles). ANALYZE inside the
    transaction counts the rows it inserted. Once the tables hold more than a day's rows,
    autovacuum keeps the statistics current and this does nothing.
    """
    inserted = {Notice._meta.db_table: notices, Delivery._meta.db_table: deliveries}
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r'", [list(inserted)])
        for table, estimated in cursor.fetchall():
            if inserted[table] and estimated < inserted[table]:  # -1: never analyzed
                cursor.execute(f'ANALYZE "{table}"')


def _queue_outbox() -> None:
    task_queue_on_commit("notifications.tasks.refresh_deliveries")
    task_queue_on_commit("notifications.tasks.send_due_deliveries")
    # The day's notices on the Results page now, not in ten minutes.
    task_queue_on_commit("notifications.tasks.refresh_funnel_recent")
