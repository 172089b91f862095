"""Channel routing: navi (paired / unpaired), DCM-only, e-mail by address and consent."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Delivery, Notice, NoticeStatus
from notifications.services.deliveries import deliveries_create
from tests.notifications.pipeline import channels, connected_car, run
from vehicles.models import Equipment

pytestmark = pytest.mark.django_db
D = dt.date


def test_paired_navi_gets_navi_app_and_email():
    car = connected_car(paired=True)
    result = run("2027-02-28")
    assert channels(car) == {"m3": {"navi": "delivered", "app": "delivered", "email": "queued"}}
    assert (result.deliveries_created, result.inbox_delivered) == (3, 0)  # inbox rows are written delivered
    notice = Notice.objects.get(vehicle=car)
    assert notice.status == NoticeStatus.SENT
    navi = Delivery.objects.get(notice=notice, channel="navi")
    assert navi.delivered_at is not None and navi.attempts == 1


def test_unpaired_navi_waits_until_paired():
    car = connected_car(paired=False)
    run("2027-02-28")
    assert channels(car)["m3"]["navi"] == "waiting"
    run("2027-03-01")
    assert channels(car)["m3"]["navi"] == "waiting"
    car.navi_paired = True
    car.save(update_fields=["navi_paired"])
    result = run("2027-03-02")
    assert result.refreshed.unpaused == 1
    assert channels(car)["m3"]["navi"] == "delivered"


def test_dcm_only_car_gets_the_app_only():
    car = connected_car(equipment=Equipment.DCM_ONLY, paired=False, email="")
    run("2027-02-28")
    assert channels(car) == {"m3": {"app": "delivered"}}


def test_no_email_without_an_address():
    car = connected_car(email="")
    run("2027-02-28")
    assert set(channels(car)["m3"]) == {"navi", "app"}


def test_safety_mail_goes_to_an_owner_who_refused_reminders():
    car = connected_car(reminders=False, expiry=D(2027, 5, 31))
    run("2027-06-01")
    assert channels(car) == {"lapsed": {"navi": "delivered", "app": "delivered", "email": "queued"}}


def test_deliveries_create_can_be_limited_to_one_kind_and_source():
    car = connected_car()
    run("2027-02-28")
    Delivery.objects.all().delete()
    Notice.objects.update(status=NoticeStatus.QUEUED)
    assert deliveries_create(send_after=D(2027, 2, 27), send_on=D(2027, 2, 28), kind="recall") == 0
    assert deliveries_create(send_after=D(2027, 2, 27), send_on=D(2027, 2, 28), kind="shaken", source_id=5) == 0
    assert deliveries_create(send_after=D(2027, 2, 27), send_on=D(2027, 2, 28), kind="shaken") == 3
    assert deliveries_create(send_after=D(2027, 2, 27), send_on=D(2027, 2, 28)) == 0  # idempotent
    assert set(channels(car)["m3"].values()) == {"queued"}
