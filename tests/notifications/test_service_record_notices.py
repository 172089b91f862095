"""What a service record changes for notices, in its own transaction: the old expiry's pending
deliveries cancelled (delivered ones stay), the next cycle from the new date, a periodic
inspection month done."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from notifications.models import Delivery, DeliveryStatus, Notice, NoticeStatus
from tests.notifications.pipeline import channels, connected_car, run, stages
from vehicles.models import ServiceItem
from vehicles.services.service_records import ItemInput, service_record_create

pytestmark = pytest.mark.django_db
D = dt.date


def on_day(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC), tick=False)


def record(car, item: str, day: dt.date):
    with on_day(day):
        return service_record_create(vehicle=car, store=car.store, performed_on=day, items=[ItemInput(item)])


def test_a_shaken_cancels_the_old_expirys_pending_deliveries_and_the_next_cycle_follows():
    car = connected_car(expiry=D(2027, 5, 31), registered=None, paired=False)
    run("2027-02-28")  # the m3 stage: app delivered, navi waiting for pairing, e-mail queued
    assert channels(car) == {"m3": {"app": "delivered", "navi": "waiting", "email": "queued"}}
    # A stage not delivered anywhere yet (as a scheduled send would be).
    queued = Notice.objects.create(
        company=car.company, vehicle=car, customer=car.customer, kind="shaken", stage="window", category="reminders",
        event_date=D(2027, 5, 31), send_on=D(2027, 3, 31), dedupe_key=f"shaken:{car.pk}:2027-05-31:test",
    )
    Delivery.objects.create(notice=queued, channel="email")

    outcome = record(car, ServiceItem.SHAKEN, D(2027, 3, 10))  # before the window: a new period from that day

    assert outcome.expiry_after == D(2029, 3, 9) and outcome.notices_cancelled == 2
    assert channels(car)["m3"] == {"app": "delivered", "navi": "cancelled", "email": "cancelled"}
    m3 = Notice.objects.get(vehicle=car, stage="m3")
    assert m3.status == NoticeStatus.SENT  # it was delivered: history kept as it was
    queued.refresh_from_db()
    assert (queued.status, queued.cancel_reason) == (NoticeStatus.CANCELLED, "expiry_renewed")
    assert Delivery.objects.get(notice=queued).status == DeliveryStatus.CANCELLED
    # The old expiry's later stages never come; the new expiry's do, with no other step.
    run("2027-03-31")
    run("2028-12-09")
    assert [(n.stage, n.send_on, n.event_date, n.status) for n in Notice.objects.filter(vehicle=car).order_by("send_on")] == [
        ("m3", D(2027, 2, 28), D(2027, 5, 31), "sent"),
        ("window", D(2027, 3, 31), D(2027, 5, 31), "cancelled"),  # the queued one above, not a new one
        ("m3", D(2028, 12, 9), D(2029, 3, 9), "sent"),
    ]
    newest = Notice.objects.filter(vehicle=car).order_by("-id").first()
    assert newest.event_date == D(2029, 3, 9)


def test_a_periodic_inspection_makes_its_month_done():
    done = connected_car(expiry=D(2028, 6, 30), registered=(2025, 6))
    not_done = connected_car(store=done.store, expiry=D(2028, 6, 30), registered=(2025, 6))
    run("2026-05-01")  # "pre" of the 2026-06 inspection month for both
    assert stages(done, "periodic") == stages(not_done, "periodic") == [("periodic", "pre", "2026-05-01")]
    outcome = record(done, ServiceItem.INSPECTION_12M, D(2026, 5, 12))
    assert outcome.notices_cancelled == 1
    assert channels(done)["pre"]["email"] == "cancelled" and channels(not_done)["pre"]["email"] == "queued"
    run("2026-06-01")  # "month": only for the car not inspected
    assert stages(done, "periodic") == [("periodic", "pre", "2026-05-01")]
    assert stages(not_done, "periodic") == [("periodic", "pre", "2026-05-01"), ("periodic", "month", "2026-06-01")]
    # The next year's inspection is due again.
    run("2027-05-01")
    assert stages(done, "periodic")[-1] == ("periodic", "pre", "2027-05-01")


def test_other_work_cancels_nothing():
    car = connected_car(expiry=D(2027, 5, 31), registered=None, paired=False)
    run("2027-02-28")
    outcome = record(car, ServiceItem.ENGINE_OIL, D(2027, 3, 1))
    assert outcome.notices_cancelled == 0 and channels(car)["m3"]["email"] == "queued"
    assert Notice.objects.filter(status=NoticeStatus.CANCELLED).count() == 0
    assert ItemInput(ServiceItem.ENGINE_OIL).item == "engine_oil"
