"""Recall notices in the daily run: targeted by the maker's list (not the range), the day after
the car becomes a target, then every 30 days until done or not applicable (issue 3, domain §4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Notice
from notifications.services.daily_run import daily_run
from tests.factories import ContractFactory, StoreFactory, VehicleFactory
from vehicles.models import ConsentCategory, RecallTarget
from vehicles.services.consent import consent_set
from vehicles.services.recall_import import recall_campaign_import
from vehicles.services.recalls import (
    recall_target_mark_done,
    recall_target_mark_not_applicable,
    recall_targets_link_vehicles,
)

pytestmark = pytest.mark.django_db

# A target day well after the factory contracts start (a year before today).
D0 = timezone.localdate() - dt.timedelta(days=200)


def car(store=None, **fields):
    store = store or StoreFactory()
    vehicle = VehicleFactory(company=store.company, store=store, **fields)
    ContractFactory(vehicle=vehicle)
    return vehicle


def import_targets(chassis, *, on=D0, number="R-1"):
    data = {
        "notification_number": number, "kind": "recall", "title": "エアバッグの不具合",
        "defect": "展開時にインフレータが破損するおそれ。", "remedy": "インフレータを交換する。",
        "published_on": on.isoformat(),
        "ranges": [{"model_code": "ZVW30", "serial_from": "0000001", "serial_to": "9999999"}],
        "targets": chassis,
    }
    return recall_campaign_import(data=data, today=on).campaign


def recall_notices():
    return list(Notice.objects.filter(kind="recall").order_by("send_on").values_list("vehicle_id", "stage", "send_on"))


def run_days(first: dt.date, last: dt.date) -> None:
    day = first
    while day <= last:
        daily_run(business_date=day)
        day += dt.timedelta(days=1)


def test_targets_come_from_the_list_not_the_range():
    store = StoreFactory()
    listed = car(store, chassis_number="ZVW30-1000010")
    in_range_only = car(store, chassis_number="ZVW30-1000011")  # within 0000001〜9999999
    campaign = import_targets([listed.chassis_number])

    daily_run(business_date=D0)
    assert recall_notices() == []  # not on the day it became a target
    daily_run(business_date=D0 + dt.timedelta(days=1))

    (notice,) = Notice.objects.filter(kind="recall")
    target = RecallTarget.objects.get(campaign=campaign, vehicle=listed)
    assert (notice.vehicle_id, notice.stage, notice.category, notice.send_on) == (
        listed.pk, "r0", ConsentCategory.SAFETY, D0 + dt.timedelta(days=1),
    )
    assert notice.dedupe_key == f"recall:{target.pk}:r0"
    assert notice.source_id == target.pk
    assert notice.context["notification_number"] == "R-1"
    assert not Notice.objects.filter(vehicle=in_range_only).exists()


def test_first_notice_the_day_after_then_every_30_days():
    vehicle = car()
    import_targets([vehicle.chassis_number])
    run_days(D0, D0 + dt.timedelta(days=65))
    assert recall_notices() == [
        (vehicle.pk, "r0", D0 + dt.timedelta(days=1)),
        (vehicle.pk, "r30", D0 + dt.timedelta(days=31)),
        (vehicle.pk, "r60", D0 + dt.timedelta(days=61)),
    ]


def test_reminders_stop_when_done_or_not_applicable():
    store = StoreFactory()
    done, not_applicable, open_ = car(store), car(store), car(store)
    import_targets([done.chassis_number, not_applicable.chassis_number, open_.chassis_number])
    run_days(D0, D0 + dt.timedelta(days=1))
    targets = {t.vehicle_id: t for t in RecallTarget.objects.all()}
    recall_target_mark_done(target=targets[done.pk], done_on=D0 + dt.timedelta(days=5), store=store, actor=None)
    recall_target_mark_not_applicable(target=targets[not_applicable.pk], actor=None, reason="部品交換済み")

    run_days(D0 + dt.timedelta(days=2), D0 + dt.timedelta(days=31))

    assert sorted((v, s) for v, s, _ in recall_notices()) == [
        (done.pk, "r0"), (not_applicable.pk, "r0"), (open_.pk, "r0"), (open_.pk, "r30"),
    ]


def test_missed_days_are_caught_up_with_the_latest_repetition_only():
    vehicle = car()
    import_targets([vehicle.chassis_number])
    daily_run(business_date=D0)
    # No run for 40 days: the next run catches up with r30 (r0 is superseded, not sent late).
    daily_run(business_date=D0 + dt.timedelta(days=40))
    assert recall_notices() == [(vehicle.pk, "r30", D0 + dt.timedelta(days=31))]
    daily_run(business_date=D0 + dt.timedelta(days=40))  # again: nothing new
    assert len(recall_notices()) == 1


def test_safety_ignores_consent_but_not_the_contract_or_store():
    store = StoreFactory()
    refused = car(store)
    for category in (ConsentCategory.MARKETING, ConsentCategory.REMINDERS):
        consent_set(customer=refused.customer, category=category, granted=False, source="app")
    suspended = car(store)
    suspended.contract.status = "suspended"
    suspended.contract.save()
    elsewhere = car(StoreFactory(participates_in_remote_maintenance=False))
    import_targets([refused.chassis_number, suspended.chassis_number, elsewhere.chassis_number])

    run_days(D0, D0 + dt.timedelta(days=1))

    assert [v for v, _, _ in recall_notices()] == [refused.pk]


def test_a_car_imported_after_the_recall_gets_its_first_notice_the_day_after_linking():
    import_targets(["ZVW30-1000077"])
    run_days(D0, D0 + dt.timedelta(days=9))
    vehicle = car(chassis_number="ZVW30-1000077")
    linked_on = D0 + dt.timedelta(days=10)
    assert recall_targets_link_vehicles(today=linked_on) == 1

    run_days(linked_on, linked_on + dt.timedelta(days=1))

    assert recall_notices() == [(vehicle.pk, "r0", linked_on + dt.timedelta(days=1))]
