"""Create (or update) the beat schedule rows for notifications; safe to run any number of times."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

TOKYO = "Asia/Tokyo"


def schedules_setup() -> list[str]:
    """The notification beat entries; returns their names."""
    daily, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone=TOKYO
    )
    every_minute, _created = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    every_five, _created = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    every_fifteen, _created = IntervalSchedule.objects.get_or_create(every=15, period=IntervalSchedule.MINUTES)
    every_ten, _created = IntervalSchedule.objects.get_or_create(every=10, period=IntervalSchedule.MINUTES)
    nightly, _created = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone=TOKYO
    )
    entries = {
        "notifications: daily run (06:00 Asia/Tokyo)": {"task": "notifications.tasks.run_daily", "crontab": daily, "interval": None},
        "notifications: send due deliveries": {"task": "notifications.tasks.send_due_deliveries", "interval": every_minute, "crontab": None},
        "notifications: refresh pending deliveries": {"task": "notifications.tasks.refresh_deliveries", "interval": every_fifteen, "crontab": None},
        "notifications: send due dealer events": {"task": "notifications.send_due_events", "interval": every_minute, "crontab": None},
        "notifications: release stuck deliveries": {"task": "notifications.tasks.release_stuck_deliveries", "interval": every_five, "crontab": None},
        "notifications: results, recent days": {"task": "notifications.tasks.refresh_funnel_recent", "interval": every_ten, "crontab": None},
        "notifications: results, the year (03:00 Asia/Tokyo)": {"task": "notifications.tasks.refresh_funnel_year", "crontab": nightly, "interval": None},
    }
    for name, fields in entries.items():
        PeriodicTask.objects.update_or_create(name=name, defaults={**fields, "enabled": True, "args": "[]", "kwargs": "{}"})
    return list(entries)


class Command(BaseCommand):
    help = (
        "Create the Celery beat schedule (daily run 06:00 Asia/Tokyo, outbox and dealer events every minute, "
        "pending deliveries every 15 minutes, stuck rows every 5 minutes, the results figures every 10 minutes "
        "and the year's nightly at 03:00)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            names = schedules_setup()
        for name in names:
            self.stdout.write(f"ok: {name}")
