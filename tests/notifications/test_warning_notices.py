"""Warning notices (e-Care): once per warning, at once day or night, navi/app per equipment,
safety category, what to do and who calls when, never an OBD check verdict."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from notifications.models import Delivery, Notice
from notifications.services.render import notice_render
from notifications.services.warning_notices import warning_notice_create, warning_notices_catch_up
from tests.notifications.pipeline import consent
from tests.vehicles.ecare_helpers import TUESDAY_11, desk_for, ecare_car, jst, open_warning
from vehicles.models import FollowUp, VehicleWarning
from vehicles.services.credentials import credential_issue

pytestmark = pytest.mark.django_db

WEDNESDAY_0230 = jst(2026, 12, 2, 2, 30)


def channels(notice) -> dict[str, str]:
    return dict(Delivery.objects.filter(notice=notice).values_list("channel", "status"))


def rendered(notice, language: str | None = None):
    if language:
        notice.language = language
    return notice_render(notice, channel="app")


@pytest.fixture
def night(time_machine):
    time_machine.move_to(WEDNESDAY_0230, tick=False)


# --- once, at once, on the right channels -----------------------------------------------------


def test_one_notice_per_warning_delivered_at_night(night):
    car = ecare_car(equipment="navi", navi_paired=True)
    warning = open_warning(car, "lamp:oil_pressure")

    notice = warning_notice_create(warning_id=warning.pk)
    again = warning_notice_create(warning_id=warning.pk)

    assert again.pk == notice.pk and Notice.objects.count() == 1
    assert (notice.kind, notice.stage, notice.category, notice.dedupe_key) == ("warning", "stop_now", "safety", f"warning:{warning.pk}")
    assert (notice.status, notice.source_id, notice.send_on) == ("sent", warning.pk, dt.date(2026, 12, 2))
    assert channels(notice) == {"navi": "delivered", "app": "delivered"}
    assert Delivery.objects.filter(notice=notice, delivered_at=WEDNESDAY_0230).count() == 2
    assert FollowUp.objects.get().warning == warning


@pytest.mark.parametrize(
    ("equipment", "paired", "expected"),
    [
        ("navi", True, {"navi": "delivered", "app": "delivered"}),
        ("navi", False, {"navi": "waiting", "app": "delivered"}),  # the navi shows mail once paired
        ("dcm_only", False, {"app": "delivered"}),
    ],
)
def test_channels_follow_the_equipment_and_never_email(night, equipment, paired, expected):
    car = ecare_car(equipment=equipment, navi_paired=paired)
    assert car.customer.email  # an address is there, yet a warning is for the driver now: no e-mail
    notice = warning_notice_create(warning_id=open_warning(car).pk)
    assert channels(notice) == expected


def test_safety_ignores_every_opt_out(night):
    car = ecare_car()
    for category in ("reminders", "marketing"):
        consent(car.customer, category, False)
    notice = warning_notice_create(warning_id=open_warning(car, "lamp:brake").pk)
    assert notice.category == "safety" and channels(notice)["app"] == "delivered"


def test_a_car_without_owner_gets_no_notice_but_the_dealer_gets_the_followup(night):
    car = ecare_car(customer=False)
    warning = open_warning(car)
    assert warning_notice_create(warning_id=warning.pk) is None
    assert not Notice.objects.exists() and FollowUp.objects.get().warning == warning


# --- what it says -----------------------------------------------------------------------------


def test_store_open_the_owner_is_told_the_store_calls_shortly(time_machine):
    time_machine.move_to(TUESDAY_11, tick=False)
    car = ecare_car(language="en")
    notice = warning_notice_create(warning_id=open_warning(car, "lamp:charging").pk)
    text = rendered(notice).text
    assert "Important" in rendered(notice).subject and "Charging system warning lamp" in text
    assert "stop in a safe place as soon as you can do so safely" in text
    assert "call roadside assistance or your dealer" in text  # the code table's advice
    assert "Your store will call you shortly." in text and car.store.phone in text


def test_store_closed_the_owner_is_told_when_the_call_center_calls(night):
    car = ecare_car(language="en")
    desk_for(car.company)  # 9:00-18:00 every day
    notice = warning_notice_create(warning_id=open_warning(car, "lamp:brake").pk)
    text = rendered(notice).text
    assert "e-Care call center will contact you from Wed 2 December 2026, 09:00" in text
    assert notice.context["contact"] == "desk" and notice.context["contact_now"] is False


def test_store_closed_without_a_desk_the_store_calls_from_its_next_opening(night):
    car = ecare_car(language="en")
    text = rendered(warning_notice_create(warning_id=open_warning(car).pk)).text
    assert "Your store is closed now; it will contact you from Wed 2 December 2026, 10:00." in text


def test_japanese_owner_gets_japanese_advice_and_standard_codes_use_python_obd(night):
    car = ecare_car(language="ja")
    brake = rendered(warning_notice_create(warning_id=open_warning(car, "lamp:brake").pk))
    assert "ブレーキ警告灯" in brake.subject and "直ちに安全な場所に停車" in brake.text
    p0128 = warning_notice_create(warning_id=open_warning(car, "P0128", severity="see_dealer_soon").pk)
    assert p0128.context["description"] == "Coolant Thermostat (Coolant Temperature Below Thermostat Regulating Temperature)"
    assert p0128.context["code"] == "P0128" and "P0128" in rendered(p0128, "en").text


def test_information_only_gets_no_call_promise(night):
    car = ecare_car(language="en")
    notice = warning_notice_create(warning_id=open_warning(car, "P1604", severity="info").pk)
    text = rendered(notice).text
    assert "For your information: no action is needed now." in text
    assert "contact you" not in text and "call you" not in text and not FollowUp.objects.exists()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_owner_text_never_carries_an_obd_check_verdict(night, language):
    car = ecare_car(obd_inspection_target=True, language=language)
    notice = warning_notice_create(warning_id=open_warning(car, "P0420", severity="see_dealer_soon").pk)
    app = Client()
    app.force_login(_owner_account(car))
    response = app.get(f"/api/v1/me/inbox/{notice.pk}/")
    assert response.status_code == 200
    inbox = response.content.decode()
    for lang in ("ja", "en"):
        message = rendered(notice, lang)
        for text in (message.subject, message.text, message.html, inbox):
            for forbidden in ("OBD", "車検", "shaken", "inspection"):
                assert forbidden not in text, (lang, forbidden)


def _owner_account(car):
    from tests.factories import UserFactory

    user = UserFactory()
    car.customer.user = user
    car.customer.save()
    return user


# --- third-party OBD-II device ----------------------------------------------------------------


_message_ids = iter(range(1, 10**9))


def post_batch(client: Client, **reading) -> dict:
    body = {"message_id": f"m-{next(_message_ids)}", "readings": [{
        "recorded_at": timezone.now().isoformat(), "battery_voltage": 12.6, **reading,
    }]}
    response = client.post("/api/v1/dcm/telemetry/", data=json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 201), response.content
    return response.json()


@pytest.fixture
def eager_celery():
    from tconnect.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_a_third_party_device_is_told_once_per_detection(time_machine, eager_celery, django_capture_on_commit_callbacks):
    time_machine.move_to(WEDNESDAY_0230, tick=True)
    car = ecare_car(language="en")
    dcm = Client(HTTP_AUTHORIZATION=f"Vehicle {credential_issue(vehicle=car).token}")

    def send(**reading):
        time_machine.shift(dt.timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            return post_batch(dcm, **reading)

    send(third_party_device=True)
    send(third_party_device=True)
    notices = Notice.objects.filter(vehicle=car)
    assert [(n.kind, n.stage) for n in notices] == [("device", "info")]
    text = rendered(notices[0]).text
    assert "may not work correctly" in text and "unplug the device" in text
    car.refresh_from_db()
    assert car.third_party_obd_device  # telemetry ingest flags the car
    send(third_party_device=False)
    send(third_party_device=True)  # plugged in again: a new detection
    assert Notice.objects.filter(vehicle=car, kind="device").count() == 2
    assert not FollowUp.objects.exists()


# --- from the telemetry API: repeated and concurrent ------------------------------------------


def test_repeated_batches_give_one_notice_per_warning(time_machine, eager_celery, django_capture_on_commit_callbacks):
    time_machine.move_to(WEDNESDAY_0230, tick=True)
    car = ecare_car(equipment="navi", navi_paired=True)
    dcm = Client(HTTP_AUTHORIZATION=f"Vehicle {credential_issue(vehicle=car).token}")
    for _ in range(3):
        time_machine.shift(dt.timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            post_batch(dcm, lamps=["brake"], dtcs_stored=["P0300"])
    notices = Notice.objects.filter(vehicle=car).order_by("source_id")
    assert sorted(n.dedupe_key.split(":")[0] for n in notices) == ["warning", "warning"]
    assert set(notices.values_list("source_id", flat=True)) == set(VehicleWarning.objects.filter(vehicle=car).values_list("pk", flat=True))
    assert FollowUp.objects.filter(vehicle=car).count() == 2
    assert warning_notices_catch_up() == 0


def test_the_notice_task_is_queued_only_after_a_batch_opened_warnings(time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(WEDNESDAY_0230, tick=True)
    car = ecare_car()
    dcm = Client(HTTP_AUTHORIZATION=f"Vehicle {credential_issue(vehicle=car).token}")
    with django_capture_on_commit_callbacks() as nothing_new:
        post_batch(dcm)
    time_machine.shift(dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks() as opened:
        post_batch(dcm, lamps=["abs"])
    assert nothing_new == [] and len(opened) == 1
    assert not Notice.objects.exists()  # not run yet: the catch-up scan is the safety net
    assert warning_notices_catch_up() == 1 and Notice.objects.get().kind == "warning"


def test_catch_up_ignores_old_warnings_and_the_task_is_thin(night):
    from notifications.tasks import warning_notices_catch_up_task, warning_notices_task

    car = ecare_car()
    open_warning(car, "lamp:eps", severity="see_dealer_soon", at=WEDNESDAY_0230 - dt.timedelta(hours=25))
    fresh = open_warning(car, "lamp:abs", severity="see_dealer_soon")
    assert warning_notices_task(car.pk) == 1
    assert Notice.objects.get().source_id == fresh.pk
    assert warning_notices_catch_up_task() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_make_one_notice_and_one_followup(time_machine):
    time_machine.move_to(WEDNESDAY_0230, tick=True)
    car = ecare_car(equipment="navi", navi_paired=True)
    warning = open_warning(car)
    barrier = threading.Barrier(4)
    results: list = []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(warning_notice_create(warning_id=warning.pk).pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(results) == 4 and len(set(results)) == 1
    assert Notice.objects.count() == 1 and FollowUp.objects.count() == 1
    assert channels(Notice.objects.get()) == {"navi": "delivered", "app": "delivered"}
