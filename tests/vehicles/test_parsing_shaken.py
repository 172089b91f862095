import datetime as dt

import pytest

from vehicles.models import VehicleClass, VehicleUse
from vehicles.parsing.shaken import (
    first_expiry,
    in_window,
    next_expiry,
    period_end,
    periodic_inspection_interval_months,
    shaken_period_years,
    window_opens,
)

C, U = VehicleClass, VehicleUse
D = dt.date


@pytest.mark.parametrize(
    ("vehicle_class", "use", "first", "then"),
    [
        (C.PASSENGER, U.PRIVATE, 3, 2),
        (C.KEI_PASSENGER, U.PRIVATE, 3, 2),
        (C.KEI_FREIGHT, U.PRIVATE, 2, 2),
        (C.FREIGHT_SMALL, U.PRIVATE, 2, 1),
        (C.FREIGHT_LARGE, U.PRIVATE, 1, 1),
        (C.BUS, U.PRIVATE, 1, 1),
        (C.SPECIAL, U.PRIVATE, 2, 2),
        (C.PASSENGER, U.COMMERCIAL, 1, 1),  # green plate (taxi, hire car)
        (C.FREIGHT_SMALL, U.COMMERCIAL, 1, 1),
        (C.BUS, U.COMMERCIAL, 1, 1),
        (C.SPECIAL, U.COMMERCIAL, 1, 1),
        (C.KEI_FREIGHT, U.COMMERCIAL, 2, 2),  # black plate kei van: outside the 1-year rule
        (C.PASSENGER, U.RENTAL, 2, 1),
        (C.KEI_PASSENGER, U.RENTAL, 2, 2),
        (C.FREIGHT_SMALL, U.RENTAL, 2, 1),
        (C.FREIGHT_LARGE, U.RENTAL, 1, 1),
    ],
)
def test_shaken_period_years(vehicle_class, use, first, then):
    assert shaken_period_years(vehicle_class, use, first=True) == first
    assert shaken_period_years(vehicle_class, use, first=False) == then
    # Plain strings (as stored on the model) work as well as the enum members.
    assert shaken_period_years(str(vehicle_class.value), str(use.value), first=True) == first


@pytest.mark.parametrize(("vehicle_class", "use"), [("tank", U.PRIVATE), (C.PASSENGER, "borrowed")])
def test_shaken_period_years_unknown_values(vehicle_class, use):
    with pytest.raises(ValueError):
        shaken_period_years(vehicle_class, use, first=True)


@pytest.mark.parametrize(
    ("start", "years", "end"),
    [
        (D(2022, 5, 1), 3, D(2025, 4, 30)),  # domain example: new registration
        (D(2025, 6, 1), 2, D(2027, 5, 31)),
        (D(2024, 1, 1), 1, D(2024, 12, 31)),
        (D(2023, 3, 1), 1, D(2024, 2, 29)),  # day before 1 March in a leap year
        (D(2024, 3, 1), 1, D(2025, 2, 28)),
        (D(2024, 2, 29), 1, D(2025, 2, 28)),  # no anniversary: end of that February
        (D(2024, 2, 29), 2, D(2026, 2, 28)),
        (D(2024, 2, 29), 3, D(2027, 2, 28)),
        (D(2024, 2, 29), 4, D(2028, 2, 28)),  # the anniversary exists: the day before it
        (D(2024, 2, 28), 2, D(2026, 2, 27)),
        (D(2025, 12, 31), 2, D(2027, 12, 30)),
        (D(2026, 1, 31), 1, D(2027, 1, 30)),
    ],
)
def test_period_end(start, years, end):
    assert period_end(start, years) == end


@pytest.mark.parametrize(
    ("expiry", "on", "opens"),
    [
        (D(2025, 5, 31), D(2025, 4, 1), D(2025, 3, 31)),  # 2-month rule, clamped to month end
        (D(2025, 5, 15), D(2025, 4, 1), D(2025, 3, 15)),
        (D(2025, 4, 30), D(2025, 4, 1), D(2025, 2, 28)),
        (D(2028, 4, 30), D(2028, 4, 1), D(2028, 2, 29)),  # leap February
        (D(2026, 1, 31), D(2026, 1, 1), D(2025, 11, 30)),  # across the year boundary
        (D(2026, 2, 15), D(2026, 1, 1), D(2025, 12, 15)),
        (D(2025, 5, 31), D(2025, 3, 31), D(2025, 4, 30)),  # inspection before 2025-04-01: 1 month
        (D(2025, 3, 31), D(2025, 3, 1), D(2025, 2, 28)),
        (D(2024, 3, 31), D(2024, 3, 1), D(2024, 2, 29)),
        (D(2025, 1, 15), D(2025, 1, 1), D(2024, 12, 15)),
    ],
)
def test_window_opens(expiry, on, opens):
    assert window_opens(expiry, on=on) == opens


@pytest.mark.parametrize(
    ("current", "inspected", "years", "expected"),
    [
        # Inside the 2-month window: continue from the old expiry.
        (D(2025, 5, 31), D(2025, 4, 1), 2, D(2027, 5, 31)),
        (D(2025, 5, 31), D(2025, 5, 31), 2, D(2027, 5, 31)),  # on the expiry day itself
        (D(2026, 5, 31), D(2026, 3, 31), 2, D(2028, 5, 31)),  # first day of the window
        (D(2026, 5, 31), D(2026, 4, 15), 1, D(2027, 5, 31)),
        # One day before the window: the period starts on the inspection day.
        (D(2026, 5, 31), D(2026, 3, 30), 2, D(2028, 3, 29)),
        (D(2026, 5, 31), D(2026, 1, 10), 2, D(2028, 1, 9)),
        # After lapse: from the inspection day.
        (D(2026, 5, 31), D(2026, 6, 1), 2, D(2028, 5, 31)),
        (D(2026, 5, 31), D(2026, 7, 10), 2, D(2028, 7, 9)),
        # Before 2025-04-01 the window was 1 month.
        (D(2025, 4, 30), D(2025, 3, 31), 2, D(2027, 4, 30)),
        (D(2025, 5, 31), D(2025, 3, 31), 2, D(2027, 3, 30)),
        (D(2025, 3, 31), D(2025, 2, 27), 2, D(2027, 2, 26)),
        # The first inspection under the new rule, 2025-04-01, 2 months before a 06-01 expiry.
        (D(2025, 6, 1), D(2025, 4, 1), 2, D(2027, 6, 1)),
        # Leap years: expiry on 29 Feb continues to 28 Feb; one ending 28 Feb before a leap year.
        (D(2024, 2, 29), D(2024, 2, 1), 2, D(2026, 2, 28)),
        (D(2023, 2, 28), D(2023, 2, 10), 1, D(2024, 2, 29)),
        (D(2028, 2, 29), D(2028, 1, 5), 1, D(2029, 2, 28)),
    ],
)
def test_next_expiry(current, inspected, years, expected):
    assert next_expiry(current_expiry=current, inspected_on=inspected, years=years) == expected


def test_in_window_bounds():
    assert in_window(current_expiry=D(2026, 5, 31), inspected_on=D(2026, 3, 31))
    assert not in_window(current_expiry=D(2026, 5, 31), inspected_on=D(2026, 3, 30))
    assert not in_window(current_expiry=D(2026, 5, 31), inspected_on=D(2026, 6, 1))


@pytest.mark.parametrize(
    ("registered", "vehicle_class", "use", "expected"),
    [
        (D(2022, 5, 1), C.PASSENGER, U.PRIVATE, D(2025, 4, 30)),
        (D(2024, 2, 29), C.PASSENGER, U.PRIVATE, D(2027, 2, 28)),
        (D(2024, 2, 29), C.KEI_FREIGHT, U.PRIVATE, D(2026, 2, 28)),
        (D(2025, 7, 10), C.PASSENGER, U.RENTAL, D(2027, 7, 9)),
        (D(2025, 7, 10), C.PASSENGER, U.COMMERCIAL, D(2026, 7, 9)),
        (D(2025, 7, 10), C.FREIGHT_SMALL, U.PRIVATE, D(2027, 7, 9)),
    ],
)
def test_first_expiry(registered, vehicle_class, use, expected):
    assert first_expiry(registered, vehicle_class, use) == expected


@pytest.mark.parametrize(
    ("vehicle_class", "use", "months"),
    [
        (C.PASSENGER, U.PRIVATE, 12),
        (C.KEI_PASSENGER, U.PRIVATE, 12),
        (C.KEI_FREIGHT, U.PRIVATE, 12),
        (C.SPECIAL, U.PRIVATE, 12),
        (C.FREIGHT_SMALL, U.PRIVATE, 6),
        (C.FREIGHT_LARGE, U.PRIVATE, 3),
        (C.BUS, U.PRIVATE, 3),
        (C.PASSENGER, U.COMMERCIAL, 3),
        (C.KEI_FREIGHT, U.COMMERCIAL, 3),
        (C.FREIGHT_SMALL, U.COMMERCIAL, 3),
        (C.PASSENGER, U.RENTAL, 6),
        (C.KEI_PASSENGER, U.RENTAL, 6),
        (C.FREIGHT_SMALL, U.RENTAL, 6),
        (C.FREIGHT_LARGE, U.RENTAL, 3),
    ],
)
def test_periodic_inspection_interval(vehicle_class, use, months):
    assert periodic_inspection_interval_months(vehicle_class, use) == months
