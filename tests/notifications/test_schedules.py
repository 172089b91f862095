"""The schedule's date rules on their own (no database): month ends, leap years, the
2025-04-01 window change, catch-up selection, the periodic inspection menu."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.services.schedules import (
    PeriodicConfig,
    ShakenConfig,
    add_months,
    periodic_covered_by_shaken,
    periodic_due_table,
    periodic_menu,
    periodic_stage_due,
    shaken_due_table,
    shaken_first_months,
    shaken_renewal_months,
    shaken_stage_due,
    shaken_stages,
    shaken_window_opens,
)

D = dt.date


def test_add_months_clamps_to_month_end_like_postgresql():
    assert add_months(D(2025, 5, 31), -2) == D(2025, 3, 31)
    assert add_months(D(2025, 5, 31), -3) == D(2025, 2, 28)
    assert add_months(D(2028, 4, 30), -2) == D(2028, 2, 29)
    assert add_months(D(2028, 2, 29), 12) == D(2029, 2, 28)
    assert add_months(D(2027, 1, 15), -1) == D(2026, 12, 15)


@pytest.mark.parametrize(
    ("expiry", "opens"),
    [
        (D(2026, 5, 31), D(2026, 3, 31)),  # month end: clamped to the shorter month's end
        (D(2027, 4, 30), D(2027, 2, 28)),
        (D(2028, 4, 30), D(2028, 2, 29)),  # leap year
        (D(2028, 2, 29), D(2027, 12, 29)),
        (D(2025, 6, 1), D(2025, 4, 1)),  # first expiry under the 2-month rule
        # Before 2025-04-01 the window was 1 month: it opens on the day the new rule applied,
        # or on expiry − 1 month when the old rule had it open earlier.
        (D(2025, 5, 31), D(2025, 4, 1)),
        (D(2025, 5, 1), D(2025, 4, 1)),
        (D(2025, 4, 20), D(2025, 3, 20)),
        (D(2024, 12, 31), D(2024, 11, 30)),
    ],
)
def test_window_opens(expiry, opens):
    assert shaken_window_opens(expiry) == opens


def test_default_shaken_stages_for_a_leap_day_expiry():
    got = [(s.stage, s.send_on, s.category) for s in shaken_stages(D(2028, 2, 29), ShakenConfig())]
    assert got == [
        ("m3", D(2027, 11, 29), "reminders"),
        ("window", D(2027, 12, 29), "reminders"),
        ("m1", D(2028, 1, 29), "reminders"),
        ("d14", D(2028, 2, 15), "reminders"),
        ("lapsed", D(2028, 3, 1), "safety"),
    ]


def test_month_end_expiry_stages():
    got = {s.stage: s.send_on for s in shaken_stages(D(2026, 5, 31), ShakenConfig())}
    assert got == {"m3": D(2026, 2, 28), "window": D(2026, 3, 31), "m1": D(2026, 4, 30), "d14": D(2026, 5, 17),
                   "lapsed": D(2026, 6, 1)}


def test_stages_can_be_switched_off_and_moved():
    config = ShakenConfig(early_months=4, window_notice=False, late_months=0, final_days=7, lapsed_notice=False)
    assert [(s.stage, s.send_on) for s in shaken_stages(D(2026, 5, 31), config)] == [
        ("m4", D(2026, 1, 31)), ("d7", D(2026, 5, 24)),
    ]


def test_one_day_run_takes_the_stage_of_that_day():
    expiry = D(2026, 5, 31)
    assert shaken_stage_due(expiry, ShakenConfig(), after=D(2026, 3, 30), on=D(2026, 3, 31)).stage == "window"
    assert shaken_stage_due(expiry, ShakenConfig(), after=D(2026, 3, 31), on=D(2026, 4, 1)) is None


def test_catch_up_takes_only_the_latest_missed_stage():
    expiry = D(2026, 5, 31)
    # Missed m1 (04-30) and d14 (05-17): only d14 goes out on 05-20.
    assert shaken_stage_due(expiry, ShakenConfig(), after=D(2026, 4, 20), on=D(2026, 5, 20)).stage == "d14"


def test_catch_up_never_sends_a_pre_expiry_stage_after_the_expiry():
    expiry = D(2026, 5, 31)
    config = ShakenConfig(lapsed_notice=False)
    # d14 (05-17) was missed; on 06-02 the car has expired: nothing (a lapsed notice is off here).
    assert shaken_stage_due(expiry, config, after=D(2026, 5, 10), on=D(2026, 6, 2)) is None
    # With the lapsed notice on, the lapsed notice takes over.
    assert shaken_stage_due(expiry, ShakenConfig(), after=D(2026, 5, 10), on=D(2026, 6, 2)).stage == "lapsed"
    # On the expiry day itself the missed d14 still goes out.
    assert shaken_stage_due(expiry, ShakenConfig(), after=D(2026, 5, 10), on=D(2026, 5, 31)).stage == "d14"


def test_same_day_stages_send_the_later_one():
    # Expiry 2025-05-01 (old window rule): window opens 04-01, the same day as m1.
    expiry = D(2025, 5, 1)
    assert shaken_window_opens(expiry) == add_months(expiry, -1) == D(2025, 4, 1)
    assert shaken_stage_due(expiry, ShakenConfig(), after=D(2025, 3, 31), on=D(2025, 4, 1)).stage == "m1"


def test_due_table_holds_exactly_the_expiries_with_a_stage_that_day():
    table = shaken_due_table(ShakenConfig(), after=D(2026, 3, 30), on=D(2026, 3, 31))
    assert {(e, s.stage) for e, s in table} == {
        (D(2026, 5, 31), "window"), (D(2026, 4, 14), "d14"), (D(2026, 3, 30), "lapsed"),
    }
    # No expiry is 3 months or 1 month after 03-31 (06-31 and 04-31 do not exist): 06-30's m3
    # and 04-30's m1 went out on 03-30.
    assert {(e, s.stage) for e, s in shaken_due_table(ShakenConfig(), after=D(2026, 3, 29), on=D(2026, 3, 30))} >= {
        (D(2026, 6, 30), "m3"), (D(2026, 4, 30), "m1"),
    }


def test_due_table_includes_every_month_end_expiry_that_clamps_to_the_date():
    # On 2027-02-28, m3 is due for expiries 05-28 .. 05-31 (all clamp to 02-28).
    table = shaken_due_table(ShakenConfig(), after=D(2027, 2, 27), on=D(2027, 2, 28))
    m3 = sorted(e for e, s in table if s.stage == "m3")
    assert m3 == [D(2027, 5, 28), D(2027, 5, 29), D(2027, 5, 30), D(2027, 5, 31)]


def test_periodic_menu():
    assert periodic_menu(PeriodicConfig(12, ()))[:4] == [12, 24, 36, 48]
    assert periodic_menu(PeriodicConfig(12, (1, 6, 18, 30)))[:7] == [1, 6, 12, 18, 24, 30, 36]
    assert periodic_menu(PeriodicConfig(0, (6,))) == [6]


def test_periodic_stages_and_their_relevance():
    june = D(2026, 6, 1)
    assert periodic_stage_due(june, after=D(2026, 4, 30), on=D(2026, 5, 1)).stage == "pre"
    assert periodic_stage_due(june, after=D(2026, 5, 31), on=D(2026, 6, 1)).stage == "month"
    # Missed both (May and June 1st): only "month".
    assert periodic_stage_due(june, after=D(2026, 4, 30), on=D(2026, 6, 3)).stage == "month"
    # Missed everything until July: the inspection month is over.
    assert periodic_stage_due(june, after=D(2026, 4, 30), on=D(2026, 7, 2)) is None


def test_periodic_due_table_on_the_first_of_a_month():
    rows = periodic_due_table(PeriodicConfig(12, (6,)), after=D(2026, 4, 30), on=D(2026, 5, 1))
    got = {(y, m, due.inspection_month, due.months_since_registration, due.stage.stage) for y, m, due in rows}
    assert (2025, 5, D(2026, 5, 1), 12, "month") in got
    assert (2025, 6, D(2026, 6, 1), 12, "pre") in got
    assert (2025, 11, D(2026, 5, 1), 6, "month") in got
    assert (2024, 5, D(2026, 5, 1), 24, "month") in got
    # Not on other days.
    assert periodic_due_table(PeriodicConfig(), after=D(2026, 5, 1), on=D(2026, 5, 2)) == []


REGISTERED = dt.date(2022, 5, 1)


def test_periodic_inspection_coinciding_with_a_shaken_is_skipped():
    def covered(month, expiry, registered=REGISTERED, renewal=24, first=36):
        return periodic_covered_by_shaken(month, expiry=expiry, registered=registered, renewal_months=renewal, first_months=first)

    # Registered 2022-05 (new car): first shaken expiry 2025-04-30, then 2027-04-30.
    assert covered(D(2025, 5, 1), D(2025, 4, 30))
    assert covered(D(2025, 5, 1), D(2027, 4, 30))  # renewed early: the previous expiry counts
    assert not covered(D(2026, 5, 1), D(2027, 4, 30))
    assert not covered(D(2024, 5, 1), D(2025, 4, 30))  # the 24-month check of a new car is a normal one
    assert not covered(D(2026, 5, 1), None)
    # Leap-year registration (29 Feb 2024 → expiry 2027-02-28): the 36-month check is the shaken,
    # the 12-month one is not (there was no shaken a year after registration).
    assert covered(D(2027, 2, 1), D(2027, 2, 28), registered=D(2024, 2, 1))
    assert not covered(D(2025, 2, 1), D(2027, 2, 28), registered=D(2024, 2, 1))
    assert not covered(D(2026, 2, 1), D(2027, 2, 28), registered=D(2024, 2, 1))


@pytest.mark.parametrize(
    ("vehicle_class", "use", "first", "renewal"),
    [
        ("passenger", "private", 36, 24), ("kei_passenger", "private", 36, 24), ("kei_freight", "private", 24, 24),
        ("freight_small", "private", 24, 12), ("freight_large", "private", 12, 12), ("bus", "private", 12, 12),
        ("passenger", "commercial", 12, 12), ("passenger", "rental", 24, 12), ("special", "private", 24, 24),
    ],
)
def test_shaken_validity_table(vehicle_class, use, first, renewal):
    assert shaken_first_months(vehicle_class, use) == first
    assert shaken_renewal_months(vehicle_class, use) == renewal
