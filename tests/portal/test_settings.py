"""Settings: store calendar and capacity (admins: every store; store staff: their own), the
reminder schedule (admins edit, store staff read); model rules show as form errors."""

from __future__ import annotations

import datetime as dt

import pytest

from dealers.models import AuditEntry, CalendarException, ClosingRule, StoreHours
from notifications.models import ReminderPolicy

pytestmark = pytest.mark.django_db


def week(**days) -> dict:
    """POST data for the hours form: days maps weekday number to ("10:00", "18:00")."""
    data = {}
    for weekday, (opens, closes) in days.items():
        n = int(weekday.removeprefix("d"))
        data.update({f"open_{n}": "on", f"opens_{n}": opens, f"closes_{n}": closes})
    return data


def test_settings_index_lists_the_stores_in_scope(cast, as_alice, as_bob):
    assert [s.pk for s in as_alice.get("/settings/").context["stores"]] == [cast.store1.pk, cast.store2.pk]
    assert [s.pk for s in as_bob.get("/settings/").context["stores"]] == [cast.store1.pk]


def test_hours_are_replaced_per_weekday(cast, as_bob):
    url = f"/settings/stores/{cast.store1.pk}/hours/"
    response = as_bob.post(url, week(d0=("09:30", "18:00"), d5=("10:00", "17:00")))
    assert response.status_code == 302
    assert {(h.weekday, h.opens_at, h.closes_at) for h in StoreHours.objects.filter(store=cast.store1)} == {
        (0, dt.time(9, 30), dt.time(18)), (5, dt.time(10), dt.time(17))}
    assert AuditEntry.objects.filter(action="store.hours", target_id=str(cast.store1.pk)).exists()


def test_hours_errors_are_field_errors(cast, as_alice):
    response = as_alice.post(f"/settings/stores/{cast.store1.pk}/hours/", week(d1=("18:00", "10:00")) | {"open_2": "on"})
    assert response.status_code == 400
    assert {"closes_1", "opens_2", "closes_2"} <= set(response.context["hours_form"].errors)
    assert StoreHours.objects.filter(store=cast.store1).count() == 6  # unchanged (factory: Tue–Sun)


def test_capacity(cast, as_alice):
    url = f"/settings/stores/{cast.store2.pk}/capacity/"
    assert as_alice.post(url, {"service_bays": "4", "slot_minutes": "30"}).status_code == 302
    cast.store2.refresh_from_db()
    assert (cast.store2.service_bays, cast.store2.slot_minutes, cast.store2.closed_on_national_holidays) == (4, 30, False)
    response = as_alice.post(url, {"service_bays": "99", "slot_minutes": "5"})
    assert response.status_code == 400 and {"service_bays", "slot_minutes"} <= set(response.context["capacity_form"].errors)


def test_closing_rules_add_duplicate_and_remove(cast, as_alice):
    url = f"/settings/stores/{cast.store1.pk}/rules/"
    data = {"weekday": "2", "week_of_month": "1", "moves_to_next_day_on_holiday": ""}
    assert as_alice.post(url, data).status_code == 302
    duplicate = as_alice.post(url, data)
    assert duplicate.status_code == 400 and duplicate.context["rule_form"].non_field_errors()
    rule = ClosingRule.objects.get(store=cast.store1)
    page = as_alice.get(f"/settings/stores/{cast.store1.pk}/")
    assert page.context["rules"] == [rule] and len(page.context["preview"]) == 42
    assert as_alice.post(f"/settings/stores/{cast.store1.pk}/rules/{rule.pk}/delete/").status_code == 302
    assert not ClosingRule.objects.exists()


def test_calendar_exception_model_rules_show_in_the_form(cast, as_alice):
    url = f"/settings/stores/{cast.store1.pk}/exceptions/"
    obon = {"starts_on": "2026-08-13", "ends_on": "2026-08-16", "note": "お盆休み"}
    assert as_alice.post(url, obon).status_code == 302
    overlap = as_alice.post(url, {"starts_on": "2026-08-15", "ends_on": "2026-08-20"})
    assert overlap.status_code == 400 and "overlap" in str(overlap.context["exception_form"].non_field_errors())
    too_long = as_alice.post(url, {"starts_on": "2026-01-01", "ends_on": "2026-06-01"})
    assert "ends_on" in too_long.context["exception_form"].errors
    hours_on_closed = as_alice.post(url, {"starts_on": "2026-09-01", "ends_on": "2026-09-01", "opens_at": "10:00",
                                          "closes_at": "12:00"})
    assert "opens_at" in hours_on_closed.context["exception_form"].errors
    exception = CalendarException.objects.get()
    confirm = as_alice.get(f"/settings/stores/{cast.store1.pk}/exceptions/{exception.pk}/delete/")
    assert confirm.status_code == 200 and CalendarException.objects.exists()
    assert as_alice.post(f"/settings/stores/{cast.store1.pk}/exceptions/{exception.pk}/delete/").status_code == 302
    assert not CalendarException.objects.exists()


def test_store_settings_are_scoped(cast, as_bob, as_carol, as_charlie):
    rule = ClosingRule.objects.create(store=cast.store2, weekday=0)
    exception = CalendarException.objects.create(store=cast.store2, starts_on=dt.date(2026, 12, 30), ends_on=dt.date(2027, 1, 3))
    urls = [f"/settings/stores/{cast.store2.pk}/", f"/settings/stores/{cast.store2.pk}/rules/{rule.pk}/delete/",
            f"/settings/stores/{cast.store2.pk}/exceptions/{exception.pk}/delete/",
            f"/settings/stores/{cast.store2.pk}/capacity/", f"/settings/stores/{cast.store2.pk}/hours/"]
    for client in (as_bob, as_carol, as_charlie):
        for url in urls:
            assert client.post(url, {"service_bays": "9"}).status_code == 404
    # A rule of store 2 through store 1's URL is not found either.
    assert as_bob.post(f"/settings/stores/{cast.store1.pk}/rules/{rule.pk}/delete/").status_code == 404
    assert as_carol.get("/settings/").status_code == 404
    assert ClosingRule.objects.filter(pk=rule.pk).exists() and CalendarException.objects.filter(pk=exception.pk).exists()


POLICY = {"shaken_early_months": "3", "shaken_window_notice": "on", "shaken_late_months": "1", "shaken_final_days": "14",
          "shaken_lapsed_notice": "on", "periodic_interval_months": "12", "periodic_extra_months": "30,1,6,6",
          "recall_repeat_days": "30", "maintenance_early_days": "30", "maintenance_due_notice": "on",
          "shaken_early_range_before": "10", "shaken_early_range_after": "10", "shaken_window_range_after": "7",
          "shaken_late_range_before": "5", "shaken_late_range_after": "5", "shaken_final_range_before": "0",
          "shaken_final_range_after": "0", "periodic_pre_range_before": "0", "periodic_pre_range_after": "14",
          "periodic_month_range_after": "10"}


def test_company_admin_edits_the_reminder_schedule(cast, as_alice):
    page = as_alice.get("/settings/reminders/")
    assert page.status_code == 200 and page.context["can_edit"]
    assert as_alice.post("/settings/reminders/", POLICY | {"shaken_final_days": "7"}).status_code == 302
    policy = ReminderPolicy.objects.get(company=cast.company)
    assert (policy.shaken_final_days, policy.periodic_extra_months) == (7, [1, 6, 30])
    assert AuditEntry.objects.filter(action="reminder_policy.update", company=cast.company).exists()
    bad = as_alice.post("/settings/reminders/", POLICY | {"recall_repeat_days": "3", "periodic_extra_months": "x"})
    assert bad.status_code == 400 and {"recall_repeat_days", "periodic_extra_months"} <= set(bad.context["form"].errors)


def test_company_admin_edits_the_send_ranges(cast, as_alice):
    """Issue 14 §3: each non-safety stage's send range, days before / after its usual date."""
    assert as_alice.post("/settings/reminders/", POLICY | {"shaken_early_range_before": "20",
                                                           "periodic_month_range_after": "0"}).status_code == 302
    policy = ReminderPolicy.objects.get(company=cast.company)
    assert (policy.shaken_early_range_before, policy.periodic_month_range_after) == (20, 0)
    bad = as_alice.post("/settings/reminders/", POLICY | {"shaken_late_range_after": "31", "shaken_early_range_before": "-1"})
    assert bad.status_code == 400
    assert {"shaken_late_range_after", "shaken_early_range_before"} <= set(bad.context["form"].errors)
    assert ReminderPolicy.objects.get(company=cast.company).shaken_late_range_after == 5


def test_store_staff_read_the_reminder_schedule_only(cast, as_bob, as_carol):
    page = as_bob.get("/settings/reminders/")
    assert page.status_code == 200 and not page.context["can_edit"]
    assert all(field.disabled for field in page.context["form"].fields.values())
    assert as_bob.post("/settings/reminders/", POLICY).status_code == 404
    assert not ReminderPolicy.objects.filter(company=cast.company).exists()
    assert as_carol.get("/settings/reminders/").status_code == 404


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source messages; Japanese is the default language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
