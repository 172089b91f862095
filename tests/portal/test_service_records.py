"""Recording visits in the portal: a walk-in from the vehicle page, completing an appointment
with its work, the history on the vehicle page, and the tenant checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Delivery, DeliveryStatus
from tests.portal.builders import appointment, notice, recall_target
from tests.portal.conftest import plated_vehicle
from vehicles.models import AppointmentState, RecallStatus, ServiceRecord, ServiceRecordSource, ShakenExpirySource
from vehicles.parsing.shaken import next_expiry

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def form(**fields) -> dict:
    data = {"performed_on": today().strftime("%Y/%m/%d"), "items": [], "company_inspection": "", "other": "", "note": ""}
    data.update(fields)
    return data


def test_a_walk_in_shaken_moves_the_expiry_and_cancels_the_old_expirys_pending_notices(cast, as_bob):
    old = today() + dt.timedelta(days=40)
    car = plated_vehicle(store=cast.store1, shaken_expiry=old, first_registration_year=2015)
    pending = notice(car, stage="m3", deliveries={"app": DeliveryStatus.DELIVERED, "email": DeliveryStatus.QUEUED})
    url = f"/vehicles/{car.pk}/service-records/new/"
    page = as_bob.get(url)
    assert page.status_code == 200 and "整備記録を登録" in page.content.decode()
    response = as_bob.post(url, form(store=cast.store1.pk, items=["shaken", "engine_oil"], odometer_km="31000"), follow=True)
    assert response.redirect_chain[-1][0] == f"/vehicles/{car.pk}/"
    new = next_expiry(current_expiry=old, inspected_on=today(), years=2)
    car.refresh_from_db()
    assert (car.shaken_expiry, car.shaken_expiry_source) == (new, ShakenExpirySource.SERVICE_RECORD)
    message = next(str(m) for m in response.context["messages"])
    assert f"{new.year}年{new.month}月{new.day}日" in message and "1" in message
    assert Delivery.objects.get(notice=pending, channel="email").status == DeliveryStatus.CANCELLED
    assert Delivery.objects.get(notice=pending, channel="app").status == DeliveryStatus.DELIVERED
    record = ServiceRecord.objects.get(vehicle=car)
    assert (record.source, record.recorded_by, record.odometer_km) == (ServiceRecordSource.PORTAL, cast.bob, 31000)
    body = response.content.decode()
    assert "整備記録" in body and "車検" in body and "31000 km" in body


def test_the_history_is_newest_first(cast, as_alice):
    car = plated_vehicle(store=cast.store1, first_registration_year=2015)
    url = f"/vehicles/{car.pk}/service-records/new/"
    as_alice.post(url, form(store=cast.store1.pk, performed_on="2026/01/10", items=["tyres"]))
    as_alice.post(url, form(store=cast.store1.pk, performed_on="2026/03/05", items=["brake_fluid"]))
    history = as_alice.get(f"/vehicles/{car.pk}/").context["history"]
    assert [r.performed_on for r in history] == [dt.date(2026, 3, 5), dt.date(2026, 1, 10)]


def test_a_refused_record_shows_the_reason_and_changes_nothing(cast, as_bob):
    car = plated_vehicle(store=cast.store1, first_registration_year=2024, first_registration_month=6)
    url = f"/vehicles/{car.pk}/service-records/new/"
    future = as_bob.post(url, form(store=cast.store1.pk, items=["shaken"],
                                   performed_on=(today() + dt.timedelta(days=1)).strftime("%Y/%m/%d")))
    assert future.status_code == 400 and "未来" in future.content.decode()
    nothing = as_bob.post(url, form(store=cast.store1.pk))
    assert nothing.status_code == 400 and "1つ以上" in nothing.content.decode()
    early = as_bob.post(url, form(store=cast.store1.pk, items=["engine_oil"], performed_on="2024/05/31"))
    assert early.status_code == 400 and "初度登録" in early.content.decode()
    assert not ServiceRecord.objects.exists()


def test_recall_work_from_the_form_marks_the_recall_done(cast, as_bob):
    car = plated_vehicle(store=cast.store1, first_registration_year=2015)
    target = recall_target(car)
    response = as_bob.post(f"/vehicles/{car.pk}/service-records/new/", form(store=cast.store1.pk, recalls=[target.pk]))
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.status, target.done_on) == (RecallStatus.DONE, today())


def test_completing_an_appointment_asks_what_was_done_ticked_from_its_purpose(cast, as_bob):
    old = today() + dt.timedelta(days=20)
    car = plated_vehicle(store=cast.store1, shaken_expiry=old, first_registration_year=2015)
    visit = appointment(car, starts_at=timezone.now() - dt.timedelta(hours=1), state="arrived", due_kind="shaken",
                        due_event_date=old)
    url = f"/appointments/{visit.pk}/completed/"
    page = as_bob.get(url)
    assert page.status_code == 200 and page.context["form"].initial["items"] == ["shaken"]
    data = form(store=cast.store1.pk, items=["shaken"], odometer_km="45000")
    response = as_bob.post(url, data)
    assert response.status_code == 302 and "/appointments/?store=" in response["Location"]
    visit.refresh_from_db()
    record = ServiceRecord.objects.get(vehicle=car)
    assert visit.state == AppointmentState.COMPLETED and record.appointment_id == visit.pk
    assert record.source == ServiceRecordSource.APPOINTMENT
    car.refresh_from_db()
    assert car.shaken_expiry == next_expiry(current_expiry=old, inspected_on=today(), years=2)
    # A double submit: the same record, the expiry moved once.
    again = as_bob.post(url, data, follow=True)
    assert "記録済み" in str(list(again.context["messages"])[-1])
    assert ServiceRecord.objects.count() == 1
    car.refresh_from_db()
    assert car.shaken_expiry == next_expiry(current_expiry=old, inspected_on=today(), years=2)


def test_a_visit_not_arrived_yet_cannot_be_completed_and_nothing_is_recorded(cast, as_bob):
    car = plated_vehicle(store=cast.store1, first_registration_year=2015)
    visit = appointment(car, starts_at=timezone.now() + dt.timedelta(days=2), state="confirmed")
    response = as_bob.post(f"/appointments/{visit.pk}/completed/", form(store=cast.store1.pk, items=["engine_oil"]))
    assert response.status_code == 400
    visit.refresh_from_db()
    assert visit.state == AppointmentState.CONFIRMED and not ServiceRecord.objects.exists()


def test_outsiders_and_the_call_center_get_404(cast, as_charlie, as_carol):
    car = plated_vehicle(store=cast.store1)
    visit = appointment(car, starts_at=timezone.now(), state="arrived")
    for client in (as_charlie, as_carol):
        assert client.get(f"/vehicles/{car.pk}/service-records/new/").status_code == 404
        assert client.post(f"/vehicles/{car.pk}/service-records/new/", form(items=["shaken"])).status_code == 404
        assert client.get(f"/appointments/{visit.pk}/completed/").status_code == 404
    assert not ServiceRecord.objects.exists()
