"""Reminders paced to each store's capacity (issue 14 §3): send ranges, the daily run's choice
of day, safety never paced, idempotence, the store's learned reply-to-booking rate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dealers.selectors.calendar import BUSINESS_TZ
from notifications.models import FunnelDay, Notice, ReminderPolicy
from notifications.services import reminder_pacing, schedules
from notifications.services.daily_run import daily_run
from tests.factories import StoreFactory
from tests.notifications.pipeline import connected_car, run, stages
from vehicles.models import Appointment, AppointmentState, RecallCampaign, RecallStatus, RecallTarget

pytestmark = pytest.mark.django_db
D = dt.date


def days(first: str, last: str):
    day, end = D.fromisoformat(first), D.fromisoformat(last)
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def fill(store, first: str, last: str, *, free_minutes: int = 0) -> None:
    """Book every bay hour of the store's days from `first` to `last` but `free_minutes` a day
    (the factory's store is open 10:00–18:00, closed on Mondays)."""
    car = connected_car(store=store, expiry=None, registered=None)
    for day in days(first, last):
        if day.weekday() == 0:  # closed on Mondays
            continue
        for bay in range(store.service_bays):
            start = dt.datetime.combine(day, dt.time(10), BUSINESS_TZ) + dt.timedelta(microseconds=bay)
            Appointment.objects.create(company=store.company, store=store, vehicle=car, starts_at=start,
                                       ends_at=start + dt.timedelta(minutes=480 - free_minutes), state=AppointmentState.CONFIRMED)


# -- the ranges themselves (pure) --------------------------------------------------------------

def test_ranges_surround_the_usual_date_and_never_overlap():
    ranges = schedules.ShakenRanges(
        early=schedules.SendRange(10, 10), window=schedules.SendRange(0, 7), late=schedules.SendRange(5, 40),
        final=schedules.SendRange(3, 30),
    )
    ranged = schedules.shaken_ranged_stages(D(2027, 5, 31), schedules.ShakenConfig(), ranges)
    assert [(r.stage.stage, r.first, r.last) for r in ranged] == [
        ("m3", D(2027, 2, 18), D(2027, 3, 10)),
        ("window", D(2027, 3, 31), D(2027, 4, 7)),  # never before the window opens
        ("m1", D(2027, 4, 25), D(2027, 5, 13)),  # ends the day before the last notice's range
        ("d14", D(2027, 5, 14), D(2027, 5, 31)),  # a pre-expiry notice ends by the expiry
        ("lapsed", D(2027, 6, 1), D(2027, 6, 1)),  # safety: its day only
    ]


def test_periodic_ranges_stay_in_their_month():
    ranged = schedules.periodic_ranged_stages(D(2027, 6, 1), schedules.PeriodicRanges(
        pre=schedules.SendRange(5, 60), month=schedules.SendRange(0, 60)))
    assert [(r.stage.stage, r.first, r.last) for r in ranged] == [
        ("pre", D(2027, 4, 26), D(2027, 5, 31)), ("month", D(2027, 6, 1), D(2027, 6, 30)),
    ]


# -- the daily run ---------------------------------------------------------------------------------

def test_free_store_sends_on_the_usual_date():
    car = connected_car(expiry=D(2027, 5, 31), registered=None)
    for day in days("2027-02-15", "2027-03-12"):
        run(day)
    assert stages(car) == [("shaken", "m3", "2027-02-28")]


def test_full_store_holds_a_reminder_to_the_last_day_of_its_range_and_never_past_it():
    store = StoreFactory(service_bays=1)
    fill(store, "2027-02-15", "2027-05-31")
    car = connected_car(store=store, expiry=D(2027, 5, 31), registered=None)
    for day in days("2027-02-15", "2027-03-09"):
        run(day)
        assert stages(car) == [], day  # full: held within the range (02-18 … 03-10)
    run("2027-03-10")
    assert stages(car) == [("shaken", "m3", "2027-03-10")]  # the range's last day, whatever the load
    for day in days("2027-03-11", "2027-04-07"):
        run(day)
    assert stages(car) == [("shaken", "m3", "2027-03-10"), ("shaken", "window", "2027-04-07")]


def test_safety_notices_are_never_paced():
    store = StoreFactory(service_bays=1)
    fill(store, "2027-05-25", "2027-08-31")
    car = connected_car(store=store, expiry=D(2027, 5, 31), registered=None)
    campaign = RecallCampaign.objects.create(notification_number="R-9", kind="recall", title="t", remedy="r",
                                             published_on=D(2027, 5, 1))
    RecallTarget.objects.create(campaign=campaign, chassis_number=car.chassis_number, vehicle=car,
                                status=RecallStatus.NOT_DONE, became_target_on=D(2027, 5, 31))
    for day in days("2027-05-31", "2027-06-02"):
        run(day)
    assert ("shaken", "lapsed", "2027-06-01") in stages(car)
    assert ("recall", "r0", "2027-06-01") in stages(car)


def test_no_capacity_configured_means_the_usual_dates():
    store = StoreFactory(service_bays=0)  # no bays: the store cannot be paced
    car = connected_car(store=store, expiry=D(2027, 5, 31), registered=None)
    for day in days("2027-02-15", "2027-03-12"):
        run(day)
    assert stages(car) == [("shaken", "m3", "2027-02-28")]
    assert store.pk not in reminder_pacing.pacing_budgets(on=D(2027, 2, 28))


def test_a_rerun_of_the_day_sends_nothing_more():
    store = StoreFactory(service_bays=1)
    fill(store, "2027-02-20", "2027-05-31", free_minutes=15)  # room for a few of the day's cars
    cars = [connected_car(store=store, expiry=D(2027, 5, 31), registered=None) for _ in range(12)]
    run("2027-02-27")
    first = daily_run(business_date=D(2027, 2, 28), queue_outbox=False)
    sent = set(Notice.objects.values_list("dedupe_key", flat=True))
    again = daily_run(business_date=D(2027, 2, 28), queue_outbox=False, rescan=True)
    assert 0 < first.notices["shaken"] < len(cars)  # paced: some today, the rest later in the range
    assert again.notices_created == 0
    assert set(Notice.objects.values_list("dedupe_key", flat=True)) == sent


def test_the_store_rate_is_the_default_until_it_has_data_then_its_own():
    store = StoreFactory()
    on = D(2027, 6, 1)
    load = reminder_pacing.store_loads(on=on, stores=[store])[store.pk]
    assert load.rates["shaken"] == reminder_pacing.DEFAULT_RATES["shaken"] and not load.learned["shaken"]
    now = timezone.now()
    for offset in (50, 60, 70):  # sent 50–70 days ago: their replies are in
        FunnelDay.objects.create(company=store.company, store=store, kind="shaken", send_on=on - dt.timedelta(days=offset),
                                 sent=100, delivered=100, read=0, replied=20, booked=12, visited=0, refreshed_at=now)
    load = reminder_pacing.store_loads(on=on, stores=[store])[store.pk]
    assert load.learned["shaken"] and load.rates["shaken"] == pytest.approx(0.12)
    assert load.costs["shaken"] == pytest.approx(0.12 * 180)  # the shaken work type's three hours
    assert load.rates["periodic"] == reminder_pacing.DEFAULT_RATES["periodic"]


def test_a_lower_learned_rate_lets_more_go_out():
    store = StoreFactory(service_bays=1)
    on = D(2027, 6, 1)
    default = reminder_pacing.pacing_budgets(on=on)[store.pk]
    now = timezone.now()
    FunnelDay.objects.create(company=store.company, store=store, kind="shaken", send_on=on - dt.timedelta(days=60),
                             sent=1000, delivered=1000, read=0, replied=50, booked=30, visited=0, refreshed_at=now)
    learned = reminder_pacing.pacing_budgets(on=on)[store.pk]
    assert learned.costs["shaken"] == pytest.approx(0.03 * 180)
    assert learned.costs["shaken"] < default.costs["shaken"]
    assert learned.budget == pytest.approx(default.budget)  # capacity the same, each reminder cheaper


def test_zero_ranges_switch_pacing_off():
    store = StoreFactory(service_bays=1)
    fill(store, "2027-02-15", "2027-05-31")
    car = connected_car(store=store, expiry=D(2027, 5, 31), registered=None)
    ReminderPolicy.objects.create(company=store.company, **{name: 0 for name in (
        "shaken_early_range_before", "shaken_early_range_after", "shaken_window_range_after", "shaken_late_range_before",
        "shaken_late_range_after", "periodic_pre_range_after", "periodic_month_range_after")})
    for day in days("2027-02-27", "2027-03-01"):
        run(day)
    assert stages(car) == [("shaken", "m3", "2027-02-28")]


# -- the forecast (settings page) ---------------------------------------------------------------

def _forecast(store, on):
    policy = ReminderPolicy.objects.filter(company=store.company).first() or ReminderPolicy(company=store.company)
    buckets = reminder_pacing.reminder_buckets(store=store, policy=policy, on=on, days=reminder_pacing.FORECAST_WEEKS * 7)
    return reminder_pacing.forecast(store=store, buckets=buckets, on=on, paced=True)


def test_forecast_counts_capacity_and_the_expected_bookings_of_the_coming_reminders():
    store = StoreFactory(service_bays=1)
    on = D(2027, 3, 1)  # a Monday
    for _ in range(10):
        connected_car(store=store, expiry=D(2027, 6, 15), registered=None)  # m3 on 03-15
    result = _forecast(store, on)
    assert len(result.weeks) == 12 and result.weeks[0].monday == on
    assert [w.capacity_hours for w in result.weeks[:2]] == [48.0, 48.0]  # 8 h × 6 days, one bay
    # m3 (03-15), window (04-15) and m1 (05-15): 30 reminders × 0.30 × 3 h, less what falls after the 12 weeks.
    total_without = sum(w.without_hours for w in result.weeks)
    assert 20 < total_without <= 27.0 + 0.5
    assert sum(w.paced_hours for w in result.weeks) == pytest.approx(total_without, abs=0.5)
    assert result.weeks[0].without_hours == 0.0  # nothing due the first week


def test_forecast_paced_peak_is_lower_than_on_the_usual_dates():
    store = StoreFactory(service_bays=1)
    on = D(2027, 3, 1)
    fill(store, "2027-03-01", "2027-06-30", free_minutes=120)  # 2 of 8 hours a day free: 12 h a week
    for _ in range(50):
        connected_car(store=store, expiry=D(2027, 6, 20), registered=None)  # m3 on 03-20: 50 at once
    result = _forecast(store, on)
    peak_without = max(w.without_hours for w in result.weeks)
    peak_paced = max(w.paced_hours for w in result.weeks)
    assert any(w.over_without for w in result.weeks)
    assert peak_paced < peak_without


def test_forecast_without_capacity_says_not_paced():
    store = StoreFactory(service_bays=0)
    connected_car(store=store, expiry=D(2027, 6, 15), registered=None)
    result = _forecast(store, D(2027, 3, 1))
    assert not result.paced
    assert [w.paced_hours for w in result.weeks] == [w.without_hours for w in result.weeks]
