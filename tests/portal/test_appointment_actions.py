"""Each appointment action is offered only when it is allowed (issue 16 point 4): 無断キャンセル
(no-show) never on a future booking; confirm and propose only while requested; completed only
after arrival. The page and the services read the same rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.portal.builders import appointment
from tests.portal.conftest import plated_vehicle
from tests.portal.test_appointments import at, next_weekday
from vehicles.selectors.appointments import appointment_actions
from vehicles.services.appointments import appointment_mark_no_show

pytestmark = pytest.mark.django_db

EVERY = {"confirm", "propose", "arrived", "completed", "no_show", "cancel"}


def _forms(html: str, appointment_id: int) -> set[str]:
    """The actions the page offers for this appointment (their URLs)."""
    paths = {"confirm": "confirm/", "propose": "propose/", "arrived": "arrived/", "completed": "completed/",
             "no_show": "no-show/", "cancel": "cancel/"}
    return {name for name, path in paths.items() if f"/appointments/{appointment_id}/{path}" in html}


@pytest.mark.parametrize(
    ("state", "started", "expected"),
    [
        ("requested", False, {"confirm", "propose", "arrived", "cancel"}),
        ("requested", True, {"confirm", "propose", "arrived", "cancel", "no_show"}),
        ("confirmed", False, {"arrived", "cancel"}),
        ("confirmed", True, {"arrived", "cancel", "no_show"}),
        ("arrived", True, {"completed"}),
        ("completed", True, set()),
        ("cancelled", True, set()),
        ("no_show", True, set()),
    ],
)
def test_the_rule_per_state_and_time(cast, state, started, expected):
    car = plated_vehicle(store=cast.store1)
    starts_at = timezone.now() + dt.timedelta(hours=-1 if started else 24)
    visit = appointment(car, starts_at=starts_at, state=state)
    assert appointment_actions(visit) == expected
    assert appointment_actions(visit) <= EVERY


def test_the_day_view_never_offers_a_no_show_on_a_future_booking(cast, as_bob):
    tuesday = next_weekday(1)
    future = appointment(plated_vehicle(store=cast.store1), starts_at=at(tuesday, 10), state="confirmed", hold=True)
    html = as_bob.get("/appointments/", {"store": cast.store1.pk, "day": tuesday.isoformat()}).content.decode()
    assert _forms(html, future.pk) == {"arrived", "cancel"}
    assert "無断キャンセル" not in html
    with pytest.raises(ValidationError):  # and the service refuses it the same way
        appointment_mark_no_show(appointment=future)


def test_a_visit_whose_time_has_come_offers_the_no_show(cast, as_bob):
    today = timezone.localdate()
    earlier = appointment(plated_vehicle(store=cast.store1), starts_at=timezone.now() - dt.timedelta(minutes=30),
                          state="confirmed")
    html = as_bob.get("/appointments/", {"store": cast.store1.pk, "day": today.isoformat()}).content.decode()
    assert _forms(html, earlier.pk) == {"arrived", "cancel", "no_show"}


def test_a_requested_booking_offers_confirm_and_propose_and_an_arrived_one_only_completed(cast, as_bob):
    tuesday = next_weekday(1)
    requested = appointment(plated_vehicle(store=cast.store1), starts_at=at(tuesday, 10), state="requested")
    arrived = appointment(plated_vehicle(store=cast.store1, plate=("品川", "500", "あ", 1)), starts_at=at(tuesday, 11),
                          state="arrived")
    html = as_bob.get("/appointments/", {"store": cast.store1.pk, "day": tuesday.isoformat()}).content.decode()
    assert _forms(html, requested.pk) == {"confirm", "propose", "arrived", "cancel"}
    assert _forms(html, arrived.pk) == {"completed"}
