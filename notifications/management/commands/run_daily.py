"""Run the daily notice scan for a business date synchronously (default: today, Asia/Tokyo)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.selectors.daily_run import daily_run_finished
from notifications.services.daily_run import DailyRunError, daily_run
from notifications.services.deliveries import deliveries_refresh
from notifications.services.funnel import funnel_days_refresh_recent
from notifications.services.outbox import deliveries_send_due


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: not a date in the form YYYY-MM-DD: {value!r}") from None


class Command(BaseCommand):
    help = "Insert the notices due on a business date (catching up missed days), then send them."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Business date YYYY-MM-DD (default: today in Asia/Tokyo).")
        parser.add_argument("--rescan", action="store_true", help="Scan a date that has already finished again.")
        parser.add_argument("--no-send", action="store_true", help="Only create notices and deliveries; leave e-mail to the outbox task.")
        parser.add_argument(
            "--if-not-finished", action="store_true",
            help="Do nothing when the date's run has finished (make run catches up today's run on start).",
        )

    def handle(self, *args, **options):
        day = _date(options["date"]) if options["date"] else timezone.localdate()
        if options["if_not_finished"] and daily_run_finished(business_date=day):
            self.stdout.write(f"{day}: the daily run has finished; nothing to catch up")
            return
        try:
            result = daily_run(business_date=day, queue_outbox=False, rescan=options["rescan"])
        except DailyRunError as exc:
            raise CommandError(str(exc)) from None
        window = f"caught up from {result.caught_up_from}" if result.scanned else "already run: not scanned again (--rescan)"
        self.stdout.write(
            f"{day}: {result.notices_created} notices ({', '.join(f'{k} {v}' for k, v in result.notices.items())}), "
            f"{window}; deliveries created {result.deliveries_created}, "
            f"inbox delivered {result.inbox_delivered}"
        )
        refreshed = deliveries_refresh(on=day)
        self.stdout.write(
            f"pending deliveries: cancelled {refreshed.cancelled}, navi un-paused {refreshed.unpaused}, "
            f"inbox delivered {refreshed.inbox_delivered}"
        )
        if not options["no_send"]:
            sent = deliveries_send_due()
            self.stdout.write(f"e-mail: delivered {sent.delivered}, retrying {sent.retrying}, failed {sent.failed}, cancelled {sent.cancelled}")
        self.stdout.write(f"results: {funnel_days_refresh_recent(today=day)} day rows counted")
