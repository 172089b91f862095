"""The `maintenance` notices of the daily run (issue 11 §3): one notice per car and due date
listing the items due, its own schedule, consent, covering appointments, no storm."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Delivery, Notice, ReminderPolicy
from notifications.services.render import notice_render
from tests.notifications.pipeline import connected_car, consent, run
from tests.vehicles.ecare_helpers import jst
from vehicles.models import Appointment, AppointmentState, ConsentCategory, MaintenanceDue
from vehicles.services.telemetry import telemetry_batch_ingest

pytestmark = pytest.mark.django_db

NOW = jst(2026, 12, 1, 6)
TODAY = dt.date(2026, 12, 1)


def failing_battery(car) -> None:
    """30 days of readings whose resting voltage falls 0.36 V: the battery item is due today."""
    readings = [
        {"recorded_at": (NOW - dt.timedelta(days=29 - i, hours=6)).isoformat(), "odometer_km": 5_000 + 30 * i,
         "battery_voltage": round(12.80 - 0.36 * i / 29, 2)}
        for i in range(30)
    ]
    telemetry_batch_ingest(vehicle=car, data={"message_id": "month", "readings": readings}, now=NOW)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def maintenance_notices(car):
    return list(Notice.objects.filter(vehicle=car, kind="maintenance").order_by("id"))


def test_a_due_item_sends_one_notice_listing_it_and_never_a_storm(now):
    car = connected_car()
    failing_battery(car)
    result = run(TODAY)
    assert result.notices["maintenance"] == 1
    [notice] = maintenance_notices(car)
    assert (notice.stage, notice.category, notice.event_date, notice.status) == ("d0", "reminders", TODAY, "sent")
    assert [item["code"] for item in notice.context["items"]] == ["battery_12v"]
    assert notice.dedupe_key == f"maintenance:{car.pk}:{TODAY}:d0"
    assert set(Delivery.objects.filter(notice=notice).values_list("channel", flat=True)) == {"navi", "app", "email"}
    # The trend keeps the battery "due today" every day: still the same due event, no new notice.
    for days in range(1, 6):
        now.move_to(NOW + dt.timedelta(days=days), tick=False)
        run(TODAY + dt.timedelta(days=days))
    assert len(maintenance_notices(car)) == 1
    assert MaintenanceDue.objects.get(vehicle=car).due_on == TODAY + dt.timedelta(days=5)


def test_the_notice_renders_its_items_in_the_owners_language(now):
    car = connected_car(language="en")
    failing_battery(car)
    run(TODAY)
    [notice] = maintenance_notices(car)
    rendered = notice_render(notice)
    assert "12 V battery" in rendered.text and "voltage is falling" in rendered.text
    assert car.car_name in rendered.subject


def test_no_consent_to_reminders_no_notice(now):
    car = connected_car(reminders=False)
    failing_battery(car)
    run(TODAY)
    assert maintenance_notices(car) == []
    consent(car.customer, ConsentCategory.REMINDERS, True)
    now.move_to(NOW + dt.timedelta(days=1), tick=False)
    run(TODAY + dt.timedelta(days=1))
    assert len(maintenance_notices(car)) == 1


def test_a_confirmed_visit_covers_the_due_items(now):
    car = connected_car()
    failing_battery(car)
    starts = timezone.now() + dt.timedelta(days=3)
    Appointment.objects.create(company=car.company, store=car.store, vehicle=car, customer=car.customer, starts_at=starts,
                               ends_at=starts + dt.timedelta(hours=1), state=AppointmentState.CONFIRMED)
    run(TODAY)
    assert maintenance_notices(car) == []


def test_the_schedule_is_the_companys(now):
    car = connected_car()
    failing_battery(car)
    ReminderPolicy.objects.create(company=car.company, maintenance_due_notice=False)
    run(TODAY)
    assert maintenance_notices(car) == []


def test_one_notice_per_due_date_lists_every_item_due_within_the_lead_time(now):
    from vehicles.services.service_records import ItemInput, service_record_create

    car = connected_car(registered=(2020, 4))
    service_record_create(vehicle=car, store=car.store, performed_on=dt.date(2025, 12, 21), items=[ItemInput("engine_oil")],
                          odometer_km=20_000)
    service_record_create(vehicle=car, store=car.store, performed_on=dt.date(2024, 12, 25),
                          items=[ItemInput("brake_fluid")], odometer_km=10_000)
    for days in range(0, 23):
        now.move_to(NOW + dt.timedelta(days=days), tick=False)
        run(TODAY + dt.timedelta(days=days))
    early, due = maintenance_notices(car)
    assert (early.stage, early.send_on, early.event_date) == ("d30", TODAY, dt.date(2026, 12, 21))
    assert [(i["code"], i["due_on"]) for i in early.context["items"]] == [("engine_oil", "2026-12-21"), ("brake_fluid", "2026-12-25")]
    assert (due.stage, due.send_on, due.event_date) == ("d0", dt.date(2026, 12, 21), dt.date(2026, 12, 21))


def test_a_booking_by_reply_carries_the_items(now):
    from notifications.services.replies import reply_process
    from tests.notifications.replies_helpers import at, receive

    car = connected_car()
    failing_battery(car)
    run(TODAY)
    [notice] = maintenance_notices(car)
    wednesday = dt.date(2026, 12, 9)  # the factory store is open 10:00-18:00 Tuesday to Sunday
    reply = receive(notice, preferred=[at(wednesday, 11)], text="水曜の11時にお願いします")
    reply_process(reply_id=reply.pk)
    appointment = Appointment.objects.get(vehicle=car)
    assert (appointment.due_kind, appointment.due_event_date, appointment.notice_id) == ("maintenance", TODAY, notice.pk)
    assert appointment.note.startswith("整備項目: 12Vバッテリー\n水曜の11時")
