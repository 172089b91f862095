"""Issue 14 §1: a reply to a recall notice books the campaign's labour time (from import_recall)
when its file gave one, else the company's "recall work" duration."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Notice
from notifications.services.daily_run import daily_run
from tests.factories import StoreFactory
from tests.notifications.replies_helpers import TUESDAY, WEDNESDAY, at, jst, owner_car, process, receive
from vehicles.models import RecallStatus, RecallTarget
from vehicles.services.recall_import import recall_campaign_import

pytestmark = pytest.mark.django_db


def _recall_notice(car, **file_fields) -> Notice:
    data = {"notification_number": "外-7001", "kind": "recall", "title": "t", "defect": "d", "remedy": "r",
            "published_on": "2026-02-20", "targets": [car.chassis_number], **file_fields}
    recall_campaign_import(data=data, today=dt.date(2026, 2, 27))
    assert RecallTarget.objects.get(vehicle=car).status == RecallStatus.NOT_DONE
    daily_run(business_date=dt.date(2026, 2, 28), queue_outbox=False, rescan=True)
    return Notice.objects.get(vehicle=car, kind="recall")


@pytest.mark.parametrize(("file_fields", "ends"), [({"labour_minutes": 150}, (12, 30)), ({}, (11, 0))],
                         ids=["campaign-labour-time", "recall-work-type"])
def test_a_recall_booking_holds_the_campaigns_labour_time(time_machine, file_fields, ends):
    time_machine.move_to(jst(TUESDAY, 11), tick=False)
    store = StoreFactory(service_bays=2, slot_minutes=60)
    car = owner_car(store)
    reply = process(receive(_recall_notice(car, **file_fields), preferred=[at(WEDNESDAY, 10)]))
    assert reply.appointment is not None and reply.appointment.work_type.code == "recall"
    assert reply.appointment.starts_at == jst(WEDNESDAY, 10)
    assert reply.appointment.ends_at == jst(WEDNESDAY, *ends)
    assert reply.appointment.bay_hold.during.upper == jst(WEDNESDAY, *ends)
