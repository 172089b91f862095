"""The daily run in SQL: every schedule rule on its dates, catch-up, idempotency, crash."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import DailyRun, Delivery, DeliveryStatus, Notice, NoticeStatus, ReminderPolicy
from notifications.services import daily_run as daily_run_module
from notifications.services.daily_run import DailyRunError
from tests.factories import StoreFactory
from tests.notifications.pipeline import channels, connected_car, consent, notice_set, run, stages
from vehicles.models import RecallCampaign, RecallStatus, RecallTarget, VehicleUse

pytestmark = pytest.mark.django_db
D = dt.date


def days(first: str, last: str):
    day, end = D.fromisoformat(first), D.fromisoformat(last)
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def test_every_shaken_stage_goes_out_on_its_date_month_end_and_leap_day():
    store = StoreFactory()
    month_end = connected_car(store=store, expiry=D(2027, 5, 31), registered=None)
    leap = connected_car(store=store, expiry=D(2028, 2, 29), registered=None)
    for day in days("2027-02-20", "2027-06-05"):
        run(day)
    assert stages(month_end) == [
        ("shaken", "m3", "2027-02-28"), ("shaken", "window", "2027-03-31"), ("shaken", "m1", "2027-04-30"),
        ("shaken", "d14", "2027-05-17"), ("shaken", "lapsed", "2027-06-01"),
    ]
    run("2027-11-20")  # nothing due in between (the run catches up 62 days at most anyway)
    for day in days("2027-11-21", "2028-03-02"):
        run(day)
    assert stages(leap) == [
        ("shaken", "m3", "2027-11-29"), ("shaken", "window", "2027-12-29"), ("shaken", "m1", "2028-01-29"),
        ("shaken", "d14", "2028-02-15"), ("shaken", "lapsed", "2028-03-01"),
    ]
    lapsed = Notice.objects.get(vehicle=leap, stage="lapsed")
    assert lapsed.category == "safety" and lapsed.event_date == D(2028, 2, 29)
    assert lapsed.dedupe_key == f"shaken:{leap.pk}:2028-02-29:lapsed"
    assert lapsed.context["expiry"] == "2028-02-29" and lapsed.context["store_name"] == store.name
    assert len(lapsed.reply_token) == 32


def test_window_notice_before_the_2025_rule_change_opens_on_2025_04_01():
    car = connected_car(expiry=D(2025, 5, 31), registered=None)
    run("2025-03-31")
    assert stages(car) == []
    run("2025-04-01")
    assert stages(car) == [("shaken", "window", "2025-04-01")]
    assert Notice.objects.get(vehicle=car).context["window_opens_on"] == "2025-04-01"


def test_policy_changes_the_stages():
    car = connected_car(expiry=D(2027, 5, 31), registered=None)
    ReminderPolicy.objects.create(company=car.company, shaken_early_months=4, shaken_window_notice=False, shaken_final_days=0)
    for day in days("2027-01-30", "2027-05-31"):
        run(day)
    assert [s[1:] for s in stages(car)] == [("m4", "2027-01-31"), ("m1", "2027-04-30")]


def test_companies_get_a_default_policy_on_the_first_run():
    car = connected_car()
    run("2027-01-10")
    policy = ReminderPolicy.objects.get(company=car.company)
    assert (policy.shaken_early_months, policy.shaken_final_days, policy.periodic_interval_months, policy.recall_repeat_days) == (3, 14, 12, 30)


def test_missed_days_are_caught_up_with_the_latest_stage_only():
    car = connected_car(expiry=D(2027, 5, 31), registered=None)
    run("2027-04-20")
    # Down from 04-21 to 05-19: m1 (04-30) and d14 (05-17) were missed.
    result = run("2027-05-20")
    assert result.caught_up_from == D(2027, 4, 21)
    assert stages(car) == [("shaken", "d14", "2027-05-17")]
    run("2027-05-31")
    # Missed 06-01 (lapsed) and 06-02: sent on 06-03 with its own send date.
    run("2027-06-03")
    assert stages(car)[-1] == ("shaken", "lapsed", "2027-06-01")
    assert channels(car)["lapsed"]["app"] == DeliveryStatus.DELIVERED


def test_first_run_ever_covers_only_its_own_day():
    car = connected_car(expiry=D(2027, 5, 31), registered=None)
    ReminderPolicy.objects.create(company=car.company, shaken_early_range_before=0, shaken_early_range_after=0)
    assert run("2027-03-01").caught_up_from == D(2027, 3, 1)
    assert stages(car) == []  # m3 (02-28) was before the system's first day


def test_first_run_ever_sends_a_stage_whose_send_range_is_still_open():
    car = connected_car(expiry=D(2027, 5, 31), registered=None)
    run("2027-03-01")  # m3's usual date 02-28 was before the first day; its range runs to 03-10
    assert stages(car) == [("shaken", "m3", "2027-03-01")]
    assert Notice.objects.get(vehicle=car).context["usual_send_on"] == "2027-02-28"


def test_catch_up_is_bounded():
    car = connected_car(expiry=D(2027, 5, 31), registered=None)
    run("2026-01-01")
    result = run("2027-05-20")
    assert result.caught_up_from == D(2027, 5, 20) - dt.timedelta(days=daily_run_module.MAX_CATCH_UP_DAYS - 1)
    assert stages(car) == [("shaken", "d14", "2027-05-17")]


def test_run_twice_inserts_nothing_new():
    connected_car(expiry=D(2027, 5, 31))
    first = run("2027-02-28")
    before = notice_set()
    second = run("2027-02-28")
    assert first.notices_created == 1 and second.notices_created == 0 and second.deliveries_created == 0
    assert not second.scanned  # the date has finished: its state was sampled then
    assert notice_set() == before
    rescanned = daily_run_module.daily_run(business_date=D(2027, 2, 28), queue_outbox=False, rescan=True)
    assert rescanned.scanned and rescanned.notices_created == 0
    assert notice_set() == before
    assert DailyRun.objects.filter(business_date=D(2027, 2, 28), finished_at__isnull=False).count() == 1


def test_rescan_picks_up_data_corrected_after_the_run():
    store = StoreFactory()
    car = connected_car(store=store, expiry=D(2027, 5, 31))
    run("2027-02-28")
    late = connected_car(store=store, expiry=D(2027, 5, 31), reminders=False)
    consent(late.customer, "reminders", True)  # recorded after the morning run
    run("2027-02-28")
    assert stages(late) == []
    result = daily_run_module.daily_run(business_date=D(2027, 2, 28), queue_outbox=False, rescan=True)
    assert result.notices == {"shaken": 1, "periodic": 0, "recall": 0, "maintenance": 0}
    assert stages(late) == stages(car) == [("shaken", "m3", "2027-02-28")]


def test_a_crash_mid_run_leaves_nothing_and_the_rerun_equals_a_clean_run(monkeypatch):
    store = StoreFactory()
    connected_car(store=store, expiry=D(2027, 5, 31), registered=None)
    connected_car(store=store, expiry=D(2027, 4, 30), registered=None, paired=False)
    connected_car(store=store, expiry=D(2029, 1, 31), registered=(2026, 3))
    run("2027-02-26")
    run("2027-03-01")  # catch-up of 02-27 and 02-28 (m3, window) and the periodic "month" of March
    clean = notice_set()
    assert len({k for k in clean if len(k) == 9}) == 3

    Notice.objects.all().delete()
    DailyRun.objects.filter(business_date=D(2027, 3, 1)).delete()

    def crash(**kwargs):
        raise RuntimeError("worker killed")

    real = daily_run_module.deliveries.deliveries_create
    monkeypatch.setattr(daily_run_module.deliveries, "deliveries_create", crash)
    with pytest.raises(RuntimeError):
        run("2027-03-01")  # the notices were inserted, then the run died
    assert Notice.objects.count() == 0
    assert not DailyRun.objects.filter(business_date=D(2027, 3, 1)).exists()
    monkeypatch.setattr(daily_run_module.deliveries, "deliveries_create", real)
    run("2027-03-01")
    assert notice_set() == clean


def test_runs_only_go_forward():
    run("2027-03-10")
    with pytest.raises(DailyRunError, match="2027-03-10"):
        run("2027-03-09")
    run("2027-03-10")  # the same date again is fine


def test_a_renewed_expiry_cancels_the_pending_stages_of_the_old_one():
    car = connected_car(expiry=D(2027, 5, 31), registered=None, paired=False)
    run("2027-02-28")
    m3 = Notice.objects.get(vehicle=car, stage="m3")
    assert channels(car)["m3"] == {"navi": "waiting", "app": "delivered", "email": "queued"}
    # The shaken was taken early: new certificate, new expiry.
    car.shaken_expiry = D(2029, 5, 31)
    car.save(update_fields=["shaken_expiry"])
    result = run("2027-03-01")
    assert result.refreshed.cancelled == 2
    assert channels(car)["m3"] == {"navi": "cancelled", "app": "delivered", "email": "cancelled"}
    assert Delivery.objects.get(notice=m3, channel="navi").last_error == "expiry_renewed"
    m3.refresh_from_db()
    assert m3.status == NoticeStatus.SENT  # it was delivered to the app before the renewal
    # No later stage of the old expiry goes out; the new expiry's stages will.
    for day in days("2027-03-02", "2027-06-05"):
        run(day)
    assert stages(car) == [("shaken", "m3", "2027-02-28")]


def test_an_undelivered_notice_of_the_old_expiry_is_cancelled_too():
    car = connected_car(expiry=D(2027, 5, 31), registered=None, paired=False)
    run("2027-02-28")
    notice = Notice.objects.get(vehicle=car)
    # Only the navi channel is left pending and nothing was delivered yet.
    Delivery.objects.filter(notice=notice).exclude(channel="navi").delete()
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.QUEUED)
    car.shaken_expiry = D(2029, 5, 31)
    car.save(update_fields=["shaken_expiry"])
    run("2027-03-01")
    notice.refresh_from_db()
    assert (notice.status, notice.cancel_reason) == (NoticeStatus.CANCELLED, "expiry_renewed")
    assert notice.cancelled_at is not None


def test_waiting_navi_messages_expire_when_their_event_has_passed():
    car = connected_car(expiry=D(2027, 5, 31), registered=None, paired=False)
    for day in days("2027-05-17", "2027-06-01"):
        run(day)
    got = channels(car)
    # The d14 message never reached the unpaired navi; after the expiry it is pointless.
    assert got["d14"]["navi"] == "cancelled" and got["d14"]["app"] == "delivered"
    assert Delivery.objects.get(notice__vehicle=car, notice__stage="d14", channel="navi").last_error == "event_passed"
    assert got["lapsed"]["navi"] == "waiting"
    # Paired later: the lapsed notice (still true) reaches the navi.
    car.navi_paired = True
    car.save(update_fields=["navi_paired"])
    result = run("2027-06-02")
    assert result.refreshed.unpaused == 1
    assert channels(car)["lapsed"]["navi"] == "delivered"


def test_periodic_inspection_notices_on_the_first_of_the_month_before_and_of_the_month():
    car = connected_car(expiry=D(2029, 6, 30), registered=(2026, 7))
    for day in days("2027-05-30", "2027-07-02"):
        run(day)
    assert stages(car) == [("periodic", "pre", "2027-06-01"), ("periodic", "month", "2027-07-01")]
    notice = Notice.objects.get(vehicle=car, stage="month")
    assert notice.event_date == D(2027, 7, 1) and notice.category == "reminders"
    assert notice.context["months_since_registration"] == 12
    assert notice.dedupe_key == f"periodic:{car.pk}:2027-07-01:month"


def test_periodic_menu_extras_and_first_registration_in_february_of_a_leap_year():
    car = connected_car(expiry=D(2027, 2, 28), registered=(2024, 2))  # registered 29 Feb 2024
    ReminderPolicy.objects.create(company=car.company, periodic_extra_months=[1, 6, 18, 30])
    firsts = [D(y, m, 1) for y in (2024, 2025, 2026, 2027) for m in range(1, 13) if D(2024, 2, 1) < D(y, m, 1) <= D(2027, 3, 1)]
    for day in firsts:
        run(day)
    months = [(n.event_date.isoformat(), n.context["months_since_registration"])
              for n in Notice.objects.filter(vehicle=car, stage="month").order_by("event_date")]
    # 1, 6, 12, 18, 24, 30; the 36-month check (2027-02) is done with the shaken expiring 2027-02-28.
    assert months == [("2024-03-01", 1), ("2024-08-01", 6), ("2025-02-01", 12), ("2025-08-01", 18), ("2026-02-01", 24),
                      ("2026-08-01", 30)]
    # Each "pre" a month before, except the 1-month check's (2024-02-01, before the first run).
    assert Notice.objects.filter(vehicle=car, stage="pre").count() == 5


def test_periodic_check_done_with_the_shaken_is_skipped_even_after_an_early_renewal():
    store = StoreFactory()
    due = connected_car(store=store, expiry=D(2026, 5, 31), registered=(2023, 6))  # 36 months = the shaken
    renewed = connected_car(store=store, expiry=D(2028, 5, 31), registered=(2023, 6))  # shaken already taken
    later = connected_car(store=store, expiry=D(2027, 5, 31), registered=(2024, 6))  # 24 months: a normal check
    run("2026-05-01")
    run("2026-06-01")
    assert stages(due, "periodic") == stages(renewed, "periodic") == []
    assert stages(later, "periodic") == [("periodic", "pre", "2026-05-01"), ("periodic", "month", "2026-06-01")]


def test_commercial_cars_renew_yearly_so_their_12_month_check_is_the_shaken():
    car = connected_car(expiry=D(2027, 6, 30), registered=(2024, 7), use=VehicleUse.COMMERCIAL)
    run("2026-06-01")
    run("2026-07-01")  # previous expiry 2026-06-30: the shaken covers the 24-month check
    assert stages(car, "periodic") == []


RECALL_BECAME = dt.date(2027, 3, 10)


def recall_target(car, *, became=RECALL_BECAME, status=RecallStatus.NOT_DONE, number="R-4001"):
    campaign, _ = RecallCampaign.objects.get_or_create(
        notification_number=number,
        defaults={"kind": "recall", "title": "ブレーキ部品の不具合", "defect": "ブレーキが効きにくくなるおそれ",
                  "remedy": "部品を無償で交換します", "published_on": D(2027, 3, 1)},
    )
    return RecallTarget.objects.create(campaign=campaign, chassis_number=car.chassis_number, vehicle=car,
                                       status=status, became_target_on=became)


def test_recall_the_day_after_becoming_a_target_then_every_30_days_until_done():
    car = connected_car(expiry=D(2029, 6, 30), registered=None)
    target = recall_target(car)
    for day in days("2027-03-10", "2027-05-10"):
        run(day)
    assert stages(car) == [("recall", "r0", "2027-03-11"), ("recall", "r30", "2027-04-10"), ("recall", "r60", "2027-05-10")]
    notice = Notice.objects.get(vehicle=car, stage="r0")
    assert (notice.category, notice.source_id, notice.dedupe_key) == ("safety", target.pk, f"recall:{target.pk}:r0")
    assert notice.context["notification_number"] == "R-4001"
    target.status = RecallStatus.DONE
    target.done_on, target.done_store = D(2027, 5, 12), car.store
    target.save()
    for day in days("2027-05-11", "2027-07-01"):
        run(day)
    assert len(stages(car)) == 3


def test_recall_catch_up_and_not_applicable():
    store = StoreFactory()
    car = connected_car(store=store, expiry=D(2029, 6, 30), registered=None)
    other = connected_car(store=store, expiry=D(2029, 6, 30), registered=None)
    recall_target(car)
    recall_target(other, status=RecallStatus.NOT_APPLICABLE)
    run("2027-04-01")  # first run ever: r0 (03-11) is before it
    assert stages(car) == []
    run("2027-04-15")  # 04-02 .. 04-14 missed, r30 (04-10) among them
    assert stages(car) == [("recall", "r30", "2027-04-10")]
    run("2027-04-16")
    assert stages(car) == [("recall", "r30", "2027-04-10")]
    assert stages(other) == []


def test_a_closed_recall_cancels_its_waiting_navi_message():
    car = connected_car(expiry=D(2029, 6, 30), registered=None, paired=False)
    target = recall_target(car)
    run("2027-03-11")
    assert channels(car)["r0"]["navi"] == "waiting"
    RecallTarget.objects.filter(pk=target.pk).update(status=RecallStatus.NOT_APPLICABLE)
    run("2027-03-12")
    assert channels(car)["r0"]["navi"] == "cancelled"
