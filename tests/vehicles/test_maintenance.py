"""Condition-based maintenance (issue 11 §3): the menu, each car's pace from its odometer, the
12 V battery trend, and the due dates, all refreshed set-based."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import CompanyAdminFactory, StoreStaffFactory
from tests.vehicles.ecare_helpers import ecare_car, jst
from vehicles.models import (
    MaintenanceDue,
    MaintenanceItem,
    PaceBasis,
    TelemetryDay,
    TelemetryDayStale,
    VehicleMaintenance,
)
from vehicles.selectors.maintenance import due_state, maintenance_next_due
from vehicles.services.maintenance import DEFAULT_MENU, maintenance_item_save, maintenance_refresh, menus_ensure
from vehicles.services.telemetry import telemetry_batch_ingest
from vehicles.services.telemetry_storage import telemetry_days_roll

pytestmark = pytest.mark.django_db

NOW = jst(2026, 12, 1, 6)
TODAY = dt.date(2026, 12, 1)


def daily(car, *, days: int, km_per_day: float, start_km: int, ending_days_ago: float = 0.0, volts=None, tag: str = "d"):
    """One reading a day at noon for `days` days, the last `ending_days_ago` days before NOW."""
    readings = []
    for i in range(days):
        at = NOW - dt.timedelta(days=ending_days_ago + days - 1 - i, hours=6)
        reading = {"recorded_at": at.isoformat(), "odometer_km": int(start_km + km_per_day * i)}
        if volts is not None:
            reading["battery_voltage"] = volts(i)
        readings.append(reading)
    telemetry_batch_ingest(vehicle=car, data={"message_id": f"{tag}{days}-{start_km}", "readings": readings}, now=NOW)


def refresh(on: dt.date = TODAY, now: dt.datetime = NOW):
    return maintenance_refresh(on=on, now=now)


def pace(car) -> VehicleMaintenance:
    return VehicleMaintenance.objects.get(vehicle=car)


def test_pace_is_the_average_daily_distance_of_the_last_90_days():
    car = ecare_car()
    daily(car, days=120, km_per_day=40, start_km=10_000)
    refresh()
    state = pace(car)
    assert state.basis == PaceBasis.OK and float(state.km_per_day) == pytest.approx(40.0, abs=0.5)
    assert state.odometer_km == 10_000 + 40 * 119 and not state.odometer_reset_flagged
    assert NOW - state.first_at <= dt.timedelta(days=90)


@pytest.mark.parametrize(
    ("days", "ending_days_ago", "basis"),
    [(13, 0, PaceBasis.TOO_LITTLE), (15, 0, PaceBasis.OK), (30, 3.5, PaceBasis.STALE), (30, 2.5, PaceBasis.OK)],
)
def test_too_little_or_stale_data_is_time_based_only(days, ending_days_ago, basis):
    car = ecare_car()
    daily(car, days=days, km_per_day=30, start_km=5_000, ending_days_ago=ending_days_ago)
    refresh()
    assert pace(car).basis == basis


def test_a_car_whose_readings_ran_out_goes_back_to_no_telemetry():
    car = ecare_car()
    daily(car, days=30, km_per_day=30, start_km=5_000)
    refresh()
    assert pace(car).basis == PaceBasis.OK
    refresh(on=TODAY + dt.timedelta(days=100), now=NOW + dt.timedelta(days=100))
    assert pace(car).basis == PaceBasis.NO_TELEMETRY and pace(car).km_per_day is None
    no_data = ecare_car()
    refresh()
    assert not VehicleMaintenance.objects.filter(vehicle=no_data).exists()


def test_an_odometer_that_jumps_backwards_restarts_the_pace_and_is_flagged():
    car = ecare_car()
    daily(car, days=40, km_per_day=50, start_km=50_000, ending_days_ago=20, tag="old")
    daily(car, days=20, km_per_day=30, start_km=100, tag="new")  # the meter was replaced
    refresh()
    state = pace(car)
    assert state.basis == PaceBasis.OK and float(state.km_per_day) == pytest.approx(30.0, abs=0.5)
    assert state.odometer_reset_flagged and state.odometer_reset_at is not None
    assert state.first_at > state.odometer_reset_at
    # Once the new meter passes the old readings, they still never count again.
    reset_at = state.odometer_reset_at
    daily(car, days=1, km_per_day=0, start_km=60_000, ending_days_ago=-0.1, tag="later")
    refresh(now=NOW + dt.timedelta(hours=3))
    assert pace(car).odometer_reset_at == reset_at and pace(car).first_at > reset_at


def test_a_jump_backwards_with_too_few_days_after_it_is_time_based_with_the_reason():
    car = ecare_car()
    daily(car, days=40, km_per_day=50, start_km=50_000, ending_days_ago=5, tag="old")
    daily(car, days=5, km_per_day=30, start_km=100, tag="new")
    refresh()
    assert pace(car).basis == PaceBasis.ODOMETER_RESET and pace(car).odometer_reset_flagged
    assert not MaintenanceDue.objects.filter(vehicle=car).exclude(basis="trend").exists()


def test_the_battery_trend_makes_the_battery_item_due_today():
    car = ecare_car()
    daily(car, days=30, km_per_day=30, start_km=5_000, volts=lambda i: round(12.80 - 0.36 * i / 29, 2))
    steady = ecare_car()
    daily(steady, days=30, km_per_day=30, start_km=5_000, volts=lambda i: 12.6)
    refresh()
    assert pace(car).battery_replace and not pace(steady).battery_replace
    due = MaintenanceDue.objects.select_related("item").get(vehicle=car)
    assert (due.item.code, due.due_on, due.basis) == ("battery_12v", TODAY, "trend")
    assert not MaintenanceDue.objects.filter(vehicle=steady).exists()
    [item], _pace = maintenance_next_due(car, today=TODAY)
    assert item.state == "due_soon" and item.code == "battery_12v"


def test_the_refresh_is_idempotent():
    car = ecare_car()
    daily(car, days=30, km_per_day=30, start_km=5_000, volts=lambda i: round(12.80 - 0.36 * i / 29, 2))
    first = refresh()
    again = refresh()
    assert first.due_changed == 1 and again.due_changed == 0 and again.due_deleted == 0
    assert MaintenanceDue.objects.filter(vehicle=car).count() == 1


def test_every_company_gets_the_default_menu_once():
    car = ecare_car()
    assert menus_ensure() >= len(DEFAULT_MENU)
    codes = list(MaintenanceItem.objects.filter(company=car.company).values_list("code", flat=True))
    assert codes == [item["code"] for item in DEFAULT_MENU]
    MaintenanceItem.objects.filter(company=car.company, code="brake_fluid").update(active=False)
    assert menus_ensure() == 0
    oil = MaintenanceItem.objects.get(company=car.company, code="engine_oil")
    assert (oil.interval_km, oil.interval_months, oil.severe_interval_km, oil.severe_interval_months) == (15_000, 12, 7_500, 6)


def test_company_admins_edit_the_menu_and_nobody_else():
    car = ecare_car()
    menus_ensure()
    admin = CompanyAdminFactory(company=car.company)
    item = maintenance_item_save(company=car.company, actor=admin, code="engine_oil", interval_km=10_000, interval_months=6)
    assert (item.interval_km, item.interval_months) == (10_000, 6)
    added = maintenance_item_save(company=car.company, actor=admin, code="tyres", name_ja="タイヤ", name_en="Tyres",
                                  interval_km=40_000, position=9)
    assert added.pk and added.interval_months is None
    with pytest.raises(ValidationError):
        maintenance_item_save(company=car.company, actor=admin, code="engine_oil", interval_km=None, interval_months=None)
    with pytest.raises(ValidationError):
        maintenance_item_save(company=car.company, actor=admin, code="engine_oil", interval_km=10)  # below 500 km
    with pytest.raises(PermissionDenied):
        maintenance_item_save(company=car.company, actor=StoreStaffFactory(store=car.store), code="engine_oil", interval_km=5_000)
    with pytest.raises(PermissionDenied):
        maintenance_item_save(company=car.company, actor=CompanyAdminFactory(), code="engine_oil", interval_km=5_000)
    assert MaintenanceItem.objects.get(company=car.company, code="engine_oil").interval_km == 10_000


@pytest.mark.parametrize(("due_on", "state"), [(TODAY - dt.timedelta(days=1), "overdue"), (TODAY, "due_soon"),
                                               (TODAY + dt.timedelta(days=30), "due_soon"), (TODAY + dt.timedelta(days=31), "ok")])
def test_due_states(due_on, state):
    assert due_state(due_on, TODAY) == state


# --- due dates from service records (the earlier of time and projected distance) -------------


def record(car, days_ago: int, km: int | None, *items: str):
    from vehicles.services.service_records import ItemInput, service_record_create

    return service_record_create(vehicle=car, store=car.store, performed_on=TODAY - dt.timedelta(days=days_ago),
                                 items=[ItemInput(item=item) for item in items], odometer_km=km)


@pytest.fixture
def at_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def dues(car) -> dict[str, MaintenanceDue]:
    return {d.item.code: d for d in MaintenanceDue.objects.filter(vehicle=car).select_related("item")}


def test_due_is_the_earlier_of_time_and_the_projected_distance(at_now):
    car = ecare_car(first_registration_year=2020, first_registration_month=4)
    daily(car, days=120, km_per_day=80, start_km=10_000)  # 19,520 km now
    record(car, 60, 14_720, "engine_oil", "brake_fluid")
    refresh()
    due = dues(car)
    last_reading_day = (NOW - dt.timedelta(hours=6)).date()
    # Oil: 14,720 + 15,000 = 29,720 km, 10,200 km to go at 80 km/day: 128 days; 12 months would be later.
    assert (due["engine_oil"].basis, due["engine_oil"].due_km) == ("distance", 29_720)
    assert due["engine_oil"].due_on == last_reading_day + dt.timedelta(days=128)
    # Brake fluid: every 24 months, no distance.
    assert (due["brake_fluid"].basis, due["brake_fluid"].due_on) == ("time", dt.date(2028, 10, 2))
    assert due["engine_oil"].anchor == "record" and due["engine_oil"].anchor_on == TODAY - dt.timedelta(days=60)
    assert "oil_filter" not in due  # never recorded: no interval date
    rows, _pace = maintenance_next_due(car, today=TODAY)
    assert "80" in next(r.how for r in rows if r.code == "engine_oil")


def test_a_slow_car_is_due_by_time(at_now):
    car = ecare_car(first_registration_year=2020, first_registration_month=4)
    daily(car, days=120, km_per_day=10, start_km=10_000)
    record(car, 60, 10_600, "engine_oil")
    refresh()
    oil = dues(car)["engine_oil"]
    assert (oil.basis, oil.due_on) == ("time", dt.date(2027, 10, 2))


def test_stale_data_is_time_based_and_says_why(at_now):
    car = ecare_car(first_registration_year=2020, first_registration_month=4)
    daily(car, days=60, km_per_day=200, start_km=10_000, ending_days_ago=4)
    record(car, 70, 9_000, "engine_oil")
    refresh()
    oil = dues(car)["engine_oil"]
    assert (oil.basis, oil.due_on) == ("time", dt.date(2027, 9, 22))
    rows, pace_row = maintenance_next_due(car, today=TODAY)
    assert pace_row.basis == PaceBasis.STALE
    assert str(PaceBasis.STALE.label) in next(r.how for r in rows if r.code == "engine_oil")


def test_severe_use_takes_the_shorter_interval(at_now):
    car = ecare_car(first_registration_year=2020, first_registration_month=4)
    daily(car, days=120, km_per_day=10, start_km=10_000)
    record(car, 60, 10_600, "engine_oil")
    refresh()
    VehicleMaintenance.objects.filter(vehicle=car).update(severe_use=True)
    refresh()
    oil = dues(car)["engine_oil"]
    assert (oil.basis, oil.due_on, oil.due_km) == ("time", TODAY - dt.timedelta(days=60) + dt.timedelta(days=182), 18_100)


def test_a_record_above_a_replaced_meter_never_gives_a_negative_distance(at_now):
    car = ecare_car(first_registration_year=2020, first_registration_month=4)
    daily(car, days=40, km_per_day=50, start_km=50_000, ending_days_ago=30, tag="old")
    record(car, 40, 51_000, "engine_oil")
    daily(car, days=30, km_per_day=40, start_km=100, tag="new")  # the meter was replaced
    refresh()
    oil = dues(car)["engine_oil"]
    assert oil.basis == "time" and oil.due_on == TODAY - dt.timedelta(days=40) + (dt.date(2027, 10, 22) - dt.date(2026, 10, 22))
    assert pace(car).odometer_reset_flagged


def test_a_new_battery_restarts_the_trend(at_now):
    car = ecare_car(first_registration_year=2020, first_registration_month=4)
    daily(car, days=30, km_per_day=30, start_km=5_000, volts=lambda i: round(12.80 - 0.36 * i / 29, 2))
    refresh()
    assert pace(car).battery_replace
    record(car, 3, 5_800, "battery_12v")
    refresh()
    assert not pace(car).battery_replace and "battery_12v" not in dues(car)


# --- the day roll-ups the refresh reads (TelemetryDay) ---------------------------------------------


def ingest_at(car, now, *readings, message_id):
    telemetry_batch_ingest(vehicle=car, data={"message_id": message_id, "readings": list(readings)}, now=now)


def test_a_day_roll_up_is_the_days_odometer_range_and_resting_battery_median():
    car = ecare_car()
    day = jst(2026, 11, 28)
    ingest_at(car, NOW, *[{"recorded_at": (day + dt.timedelta(hours=h)).isoformat(), "odometer_km": 1_000 + h,
                           "battery_voltage": v} for h, v in ((1, 12.5), (2, 12.7), (3, 14.2), (23, 12.6))],
              message_id="d")  # fmt: skip
    telemetry_days_roll(now=NOW)
    row = TelemetryDay.objects.get(vehicle=car)
    assert (row.day, row.min_km, row.max_km) == (dt.date(2026, 11, 28), 1_001, 1_023)
    assert (row.first_at, row.last_at) == (day + dt.timedelta(hours=1), day + dt.timedelta(hours=23))
    assert row.battery_median == pytest.approx(12.6)  # 14.2 V is the alternator charging: not a resting reading


def test_a_late_reading_of_a_rolled_up_day_is_rolled_in_at_the_next_refresh():
    car = ecare_car()
    daily(car, days=30, km_per_day=30, start_km=5_000)
    refresh()
    old_day = dt.date(2026, 11, 25)
    assert TelemetryDay.objects.get(vehicle=car, day=old_day).max_km == 5_000 + 30 * 23
    # Six days later the DCM uploads what it buffered: a reading of that old day, above the others.
    later = NOW + dt.timedelta(days=6)
    ingest_at(car, later, {"recorded_at": jst(2026, 11, 25, 20).isoformat(), "odometer_km": 5_000 + 30 * 23 + 15},
              message_id="late")  # fmt: skip
    assert TelemetryDayStale.objects.filter(vehicle=car, day=old_day).exists()
    # A batch of the last minutes marks nothing.
    ingest_at(car, later, {"recorded_at": (later - dt.timedelta(minutes=5)).isoformat(), "odometer_km": 6_000}, message_id="now")
    assert TelemetryDayStale.objects.count() == 1
    refresh(on=TODAY + dt.timedelta(days=6), now=later)
    assert TelemetryDay.objects.get(vehicle=car, day=old_day).max_km == 5_000 + 30 * 23 + 15
    assert not TelemetryDayStale.objects.exists()


def test_a_meter_replaced_between_two_refreshes_restarts_the_pace_from_the_roll_ups():
    car = ecare_car()
    daily(car, days=40, km_per_day=50, start_km=50_000, tag="old")
    refresh()
    assert pace(car).basis == PaceBasis.OK and not pace(car).odometer_reset_flagged
    # The next 20 days on a new meter, one refresh a day (each rolls up the new days only).
    for day in range(1, 21):
        now = NOW + dt.timedelta(days=day)
        ingest_at(car, now, {"recorded_at": (now - dt.timedelta(hours=1)).isoformat(), "odometer_km": 100 + 30 * day},
                  message_id=f"new{day}")  # fmt: skip
        refresh(on=TODAY + dt.timedelta(days=day), now=now)
    state = pace(car)
    assert state.odometer_reset_flagged and state.basis == PaceBasis.OK
    assert float(state.km_per_day) == pytest.approx(30.0, abs=0.5) and state.first_at > state.odometer_reset_at


def test_the_refresh_rolls_up_only_the_whole_days_since_the_last_one():
    car = ecare_car()
    daily(car, days=30, km_per_day=30, start_km=5_000)
    refresh()
    assert TelemetryDay.objects.filter(vehicle=car).count() == 29  # today's reading is read as it is
    assert not TelemetryDay.objects.filter(day=TODAY).exists()
    # The next day's roll-up adds yesterday, nothing else.
    assert telemetry_days_roll(now=NOW + dt.timedelta(days=1)) == 1
    assert telemetry_days_roll(now=NOW + dt.timedelta(days=1)) == 0


def test_a_car_without_odometer_readings_in_the_window_keeps_its_battery_verdict():
    weak, good = ecare_car(), ecare_car()
    daily(weak, days=30, km_per_day=30, start_km=5_000, volts=lambda i: 11.8)  # resting, below 12.0 V
    daily(good, days=30, km_per_day=30, start_km=5_000, volts=lambda i: 12.6)
    refresh()
    assert pace(weak).battery_replace and not pace(good).battery_replace
    # 100 days on nothing came in: no pace any more, the newest resting reading still says replace.
    refresh(on=TODAY + dt.timedelta(days=100), now=NOW + dt.timedelta(days=100))
    assert pace(weak).basis == PaceBasis.NO_TELEMETRY and pace(weak).battery_replace
    assert not pace(good).battery_replace


def test_the_trend_of_a_battery_replaced_in_the_window_counts_only_its_own_days(at_now):
    # Readings i = 0..29 are the last 30 days; the battery was replaced 15 days ago (i = 14).
    old_bad = ecare_car(first_registration_year=2020, first_registration_month=4)
    daily(old_bad, days=30, km_per_day=30, start_km=5_000, volts=lambda i: round(12.80 - 0.05 * i, 2) if i <= 14 else 12.7)
    new_bad = ecare_car(first_registration_year=2020, first_registration_month=4)
    daily(new_bad, days=30, km_per_day=30, start_km=5_000, volts=lambda i: 12.7 if i <= 14 else round(12.75 - 0.03 * (i - 15), 2))
    for car in (old_bad, new_bad):
        record(car, 15, 5_400, "battery_12v")
    refresh()
    assert not pace(old_bad).battery_replace  # the fall was the old battery's
    assert pace(new_bad).battery_replace  # the new one falls 0.03 V a day: 0.9 V per 30 days
