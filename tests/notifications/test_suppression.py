"""Every suppression rule: contract, service availability, store, appointment hook, consent."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Notice
from notifications.services import eligibility
from tests.factories import StoreFactory
from tests.notifications.pipeline import connected_car, consent, run, stages
from vehicles.models import ConsentCategory, ContractStatus, Equipment, ServiceAvailability

pytestmark = pytest.mark.django_db
D = dt.date
M3_DAY = "2027-02-28"  # m3 of an expiry on 2027-05-31


def m3_sent(car) -> bool:
    run(M3_DAY)
    return Notice.objects.filter(vehicle=car, stage="m3").exists()


def test_the_reference_car_gets_the_notice():
    assert m3_sent(connected_car())


@pytest.mark.parametrize(
    "contract",
    [
        {"status": ContractStatus.SUSPENDED},
        {"status": ContractStatus.CANCELLED},
        {"status": ContractStatus.EXPIRED},
        {"remote_maintenance": False},
        {"ends_on": D(2027, 2, 27)},
    ],
    ids=["suspended", "cancelled", "expired", "without-the-service", "ended-the-day-before"],
)
def test_no_notice_without_an_active_contract_with_the_service(contract):
    assert not m3_sent(connected_car(contract=contract))


def test_contract_boundaries_are_inclusive():
    assert m3_sent(connected_car(contract={"ends_on": D(2027, 2, 28)}))


def test_no_notice_before_the_contract_starts():
    assert not m3_sent(connected_car(contract={"starts_on": D(2027, 3, 1)}))


def test_no_contract_at_all():
    car = connected_car()
    car.contract.delete()
    assert not m3_sent(car)


def test_equipment_none_gets_nothing():
    assert not m3_sent(connected_car(equipment=Equipment.NONE))


def test_model_without_the_service_on_its_equipment():
    ServiceAvailability.objects.create(model_code="ZVW30", equipment=Equipment.NAVI, remote_maintenance=False)
    assert not m3_sent(connected_car())


def test_star_row_is_the_fallback_and_a_model_row_overrides_it():
    ServiceAvailability.objects.create(model_code="*", equipment=Equipment.DCM_ONLY, remote_maintenance=False)
    ServiceAvailability.objects.create(model_code="MXWH60", equipment=Equipment.DCM_ONLY, remote_maintenance=True)
    store = StoreFactory()
    fallback = connected_car(store=store, equipment=Equipment.DCM_ONLY)
    overridden = connected_car(store=store, equipment=Equipment.DCM_ONLY, model_code="MXWH60")
    other_equipment = connected_car(store=store, equipment=Equipment.NAVI)
    run(M3_DAY)
    assert not stages(fallback)
    assert stages(overridden) and stages(other_equipment)


@pytest.mark.parametrize("change", ["no-store", "not-participating", "inactive", "other-company"])
def test_no_notice_without_a_registered_participating_store(change):
    car = connected_car()
    if change == "no-store":
        car.store = None
        car.save(update_fields=["store"])
    elif change == "other-company":
        car.store = StoreFactory()
        car.save(update_fields=["store"])
    else:
        field = {"not-participating": "participates_in_remote_maintenance", "inactive": "is_active"}[change]
        setattr(car.store, field, False)
        car.store.save(update_fields=[field])
    assert not m3_sent(car)


def test_appointment_hook_suppresses_covered_events(monkeypatch):
    store = StoreFactory()
    covered = connected_car(store=store)
    other = connected_car(store=store)
    seen = []

    def covered_by_appointment_sql(*, kind: str, event_date_sql: str) -> str:
        seen.append((kind, event_date_sql))
        return f"v.id = {covered.pk}"

    monkeypatch.setattr(eligibility, "covered_by_appointment_sql", covered_by_appointment_sql)
    run(M3_DAY)
    assert not stages(covered) and stages(other)
    assert ("shaken", "v.shaken_expiry") in seen and ("recall", "t.became_target_on") in seen


@pytest.mark.parametrize(
    ("state", "due_kind", "sent"),
    [("confirmed", "shaken", False), ("arrived", "shaken", False), ("requested", "shaken", True),
     ("cancelled", "shaken", True), ("confirmed", "periodic", True)],
)
def test_a_confirmed_appointment_for_the_due_event_suppresses_its_reminders(state, due_kind, sent):
    from django.utils import timezone

    from vehicles.models import Appointment

    car = connected_car()
    starts = timezone.make_aware(dt.datetime(2027, 3, 10, 10, 0))
    Appointment.objects.create(
        company=car.company, store=car.store, vehicle=car, customer=car.customer, starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1), state=state, due_kind=due_kind, due_event_date=car.shaken_expiry,
    )
    assert m3_sent(car) is sent


@pytest.mark.parametrize("reminders", [False, None], ids=["refused", "never-asked"])
def test_reminders_need_consent_but_the_lapsed_notice_is_safety(reminders):
    car = connected_car(reminders=reminders, expiry=D(2027, 5, 31))
    for day in ("2027-02-28", "2027-03-31", "2027-04-30", "2027-05-17", "2027-06-01"):
        run(day)
    assert stages(car) == [("shaken", "lapsed", "2027-06-01")]


def test_marketing_or_safety_refusal_does_not_stop_reminders_and_reminder_refusal_does_not_stop_recalls():
    from tests.notifications.test_daily_run import recall_target

    store = StoreFactory()
    car = connected_car(store=store, reminders=True)
    consent(car.customer, ConsentCategory.MARKETING, False)
    refused = connected_car(store=store, reminders=False)
    recall_target(refused, became=D(2027, 2, 27))
    run(M3_DAY)
    assert [s[1] for s in stages(car)] == ["m3"]
    assert [s[1] for s in stages(refused)] == ["r0"]


def test_car_without_owner_gets_safety_notices_only():
    car = connected_car(expiry=D(2027, 5, 31))
    car.customer = None
    car.save(update_fields=["customer"])
    run("2027-02-28")
    run("2027-06-01")
    assert stages(car) == [("shaken", "lapsed", "2027-06-01")]
    assert Notice.objects.get(vehicle=car).language == "ja"
