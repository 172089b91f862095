"""Builders for the reply tests: a car whose owner got a real shaken reminder from the daily
run (expiry 2026-05-31 → the "m3" notice is sent on 2026-02-28), and small shortcuts.

Times: Monday 2026-03-02 is a closed day for the factory store (open 10:00–18:00 Tuesday to
Sunday, hourly slots).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from notifications.models import Notice, Reply
from notifications.services.daily_run import daily_run
from notifications.services.replies import reply_process, reply_receive
from tests.factories import UserFactory
from tests.notifications.pipeline import connected_car
from vehicles.parsing.preferences import PartOfDay, Preference

TOKYO = ZoneInfo("Asia/Tokyo")
EXPIRY = dt.date(2026, 5, 31)
MONDAY = dt.date(2026, 3, 2)  # store closed
TUESDAY = dt.date(2026, 3, 3)
WEDNESDAY = dt.date(2026, 3, 4)


def jst(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TOKYO)


def owner_car(store, *, user=None, email: str = "owner@example.jp", language: str = "ja", **kwargs):
    return connected_car(store=store, user=user or UserFactory(), expiry=EXPIRY, email=email, language=language, **kwargs)


def reminder(car) -> Notice:
    """The car's shaken reminder, produced by the daily run of 2026-02-28 (scanned again for
    cars added after a first run of that date)."""
    daily_run(business_date=dt.date(2026, 2, 28), queue_outbox=False, rescan=True)
    return Notice.objects.get(vehicle=car, kind="shaken", stage="m3")


def at(day: dt.date, hour: int, minute: int = 0) -> Preference:
    return Preference(day, time=dt.time(hour, minute))


def part(day: dt.date, name: str) -> Preference:
    return Preference(day, part=PartOfDay(name))


_counter = iter(range(1, 10**9))


def receive(notice: Notice, *, intent: str = "book", preferred=(), text: str = "", channel: str = "app", message_id=None):
    reply, _created = reply_receive(
        notice=notice, channel=channel, intent=intent, preferred=list(preferred), text=text,
        message_id=message_id or f"test:{next(_counter)}",
    )
    return reply


def process(reply: Reply) -> Reply:
    reply_process(reply_id=reply.pk)
    reply.refresh_from_db()
    return reply


def owner_notices(car, kind: str | None = None) -> list[Notice]:
    qs = Notice.objects.filter(vehicle=car, kind__in=[kind] if kind else ["appointment", "inquiry_answer"])
    return list(qs.order_by("id"))
