"""e-Care is gated by service availability like reminders are (issue 16 point 2): a car whose
e-Care is unavailable gets no warning notice and no follow-up, whether the warning comes in
through telemetry (the task after ingest), the catch-up scan or a direct call, and the
escalation scan never hands its follow-up to the e-Care call center. One case per way a car
can lack e-Care: its model, its equipment, its contract."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import Notice
from notifications.services.warning_notices import (
    warning_notice_create,
    warning_notices_catch_up,
    warning_notices_for_vehicle,
)
from tests.vehicles.ecare_helpers import TUESDAY_19, desk_for, ecare_car, jst, open_warning
from vehicles.models import ContractStatus, Equipment, FollowUp, ServiceAvailability
from vehicles.services.credentials import credential_issue
from vehicles.services.followup_escalation import followups_escalate

pytestmark = pytest.mark.django_db

WEDNESDAY_0230 = jst(2026, 12, 2, 2, 30)


def _model_without_ecare(car):
    ServiceAvailability.objects.create(model_code=car.model_code, equipment=car.equipment, ecare=False)


def _equipment_without_ecare(car):
    # This equipment offers no e-Care for any model (the "*" row), e.g. a DCM-only car.
    car.equipment = Equipment.DCM_ONLY
    car.save(update_fields=["equipment"])
    ServiceAvailability.objects.create(model_code="*", equipment=Equipment.DCM_ONLY, ecare=False)


def _not_connected(car):
    car.equipment = Equipment.NONE
    car.save(update_fields=["equipment"])


def _contract_without_ecare(car):
    car.contract.ecare = False
    car.contract.save(update_fields=["ecare"])


def _contract_cancelled(car):
    car.contract.status = ContractStatus.CANCELLED
    car.contract.save(update_fields=["status"])


def _contract_ended(car):
    car.contract.ends_on = dt.date(2026, 11, 30)
    car.contract.save(update_fields=["ends_on"])


WITHOUT_ECARE = {
    "model": _model_without_ecare,
    "equipment": _equipment_without_ecare,
    "equipment none": _not_connected,
    "contract without e-Care": _contract_without_ecare,
    "contract cancelled": _contract_cancelled,
    "contract ended": _contract_ended,
}


@pytest.fixture
def night(time_machine):
    time_machine.move_to(WEDNESDAY_0230, tick=False)


@pytest.fixture
def eager_celery():
    from tconnect.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _car(lacks: str | None):
    car = ecare_car(equipment=Equipment.NAVI, navi_paired=True)
    if lacks:
        WITHOUT_ECARE[lacks](car)
    return car


@pytest.mark.parametrize("lacks", WITHOUT_ECARE)
def test_no_notice_and_no_followup_from_any_path(night, lacks):
    car = _car(lacks)
    warning = open_warning(car, "lamp:brake")
    assert warning_notice_create(warning_id=warning.pk) is None
    assert warning_notices_for_vehicle(vehicle_id=car.pk) == []
    assert warning_notices_catch_up() == 0
    assert not Notice.objects.exists() and not FollowUp.objects.exists()


def test_the_same_car_with_ecare_gets_both(night):
    car = _car(None)
    open_warning(car, "lamp:brake")
    assert warning_notices_catch_up() == 1
    assert Notice.objects.filter(vehicle=car, kind="warning").count() == 1 and FollowUp.objects.filter(vehicle=car).count() == 1


@pytest.mark.parametrize("lacks", ["model", "equipment", "contract without e-Care"])
def test_the_ingest_path_opens_the_warning_but_sends_nothing(time_machine, eager_celery, django_capture_on_commit_callbacks, lacks):
    time_machine.move_to(WEDNESDAY_0230, tick=True)
    car = _car(lacks)
    dcm = Client(HTTP_AUTHORIZATION=f"Vehicle {credential_issue(vehicle=car).token}")
    body = {"message_id": "m-1", "readings": [{"recorded_at": timezone.now().isoformat(), "lamps": ["charging"]}]}
    with django_capture_on_commit_callbacks(execute=True):
        response = dcm.post("/api/v1/dcm/telemetry/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201 and response.json()["warnings_opened"] == ["lamp:charging"]  # the car's state
    assert not Notice.objects.exists() and not FollowUp.objects.exists()
    assert warning_notices_catch_up() == 0  # and the safety net leaves it alone


def test_the_scans_skip_cars_without_ecare_in_one_query(night, django_assert_num_queries):
    for lacks in WITHOUT_ECARE:
        open_warning(_car(lacks), "lamp:brake")
    with django_assert_num_queries(1):
        assert warning_notices_catch_up() == 0


@pytest.mark.parametrize("lacks", ["model", "contract without e-Care"])
def test_escalation_keeps_a_car_without_ecare_away_from_the_call_center(lacks):
    car = ecare_car()
    desk = desk_for(car.company)
    warning = open_warning(car, "lamp:brake", at=jst(2026, 12, 1, 17, 20))
    followup = FollowUp.objects.create(
        company=car.company, vehicle=car, warning=warning, severity="stop_now", assignee="store", store=car.store,
        opened_at=warning.opened_at, available_from=warning.opened_at, due_at=jst(2026, 12, 1, 17, 50),
    )
    WITHOUT_ECARE[lacks](car)  # lost after the follow-up opened
    result = followups_escalate(now=TUESDAY_19)  # the store closed at 18:00
    followup.refresh_from_db()
    assert (result.escalated, result.reassigned) == (1, 0)
    assert (followup.assignee, followup.store_id, followup.desk_id) == ("store", car.store_id, None)
    assert desk.followups.count() == 0
