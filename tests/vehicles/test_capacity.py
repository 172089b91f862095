"""Issue 14 §1: work types with durations, bay time held in the database (no overlap on a bay,
under concurrency), cars left for the day, daily quotas per work type, alternatives that respect
the duration.

Frozen "now": Monday 2026-03-02 09:00 JST. The factory store is open 10:00–18:00 Tuesday to
Sunday, hourly slots.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from tests.factories import DealerCompanyFactory, StoreFactory, VehicleFactory
from tests.vehicles.test_appointments import TUESDAY, at, book, car, jst
from vehicles.models import Appointment, BayHold, DayHold, Occupies, WorkCode, WorkQuota, WorkType
from vehicles.parsing.preferences import Preference
from vehicles.selectors.appointments import alternatives, slots_available, work_for
from vehicles.services.capacity import DEFAULT_WORK_TYPES, work_quota_set, work_type_for, work_type_for_notice

pytestmark = pytest.mark.django_db
WEDNESDAY = TUESDAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(jst(dt.date(2026, 3, 2), 9), tick=False)


@pytest.fixture
def store(db):
    return StoreFactory(service_bays=1, slot_minutes=60, day_places=1)


def work(store, code: str, **changes) -> WorkType:
    found = work_type_for(store.company, code)
    if changes:
        WorkType.objects.filter(pk=found.pk).update(**changes)
        found.refresh_from_db()
    return found


def test_every_company_gets_the_default_work_types_once_and_replies_pick_by_notice_kind():
    company = DealerCompanyFactory()
    assert work_type_for_notice(company, "shaken").code == WorkCode.SHAKEN
    work_type_for(company, WorkCode.OIL)
    assert WorkType.objects.filter(company=company).count() == len(DEFAULT_WORK_TYPES)
    assert {work_type_for_notice(company, kind).code for kind in ("periodic", "recall", "warning", "event")} == {
        WorkCode.INSPECTION_12M, WorkCode.RECALL, WorkCode.DIAGNOSIS, WorkCode.OTHER,
    }
    assert WorkType.objects.get(company=company, code="shaken").minutes == 180
    other = DealerCompanyFactory()
    assert work_type_for(other, WorkCode.SHAKEN).company == other  # per company


def test_a_booking_holds_bay_time_for_its_duration(store):
    oil = book(store, car(store), at(TUESDAY, 10), work_type=work(store, WorkCode.OIL)).appointment
    assert (oil.starts_at, oil.ends_at) == (jst(TUESDAY, 10), jst(TUESDAY, 10, 30))
    assert (oil.bay_hold.during.lower, oil.bay_hold.during.upper) == (jst(TUESDAY, 10), jst(TUESDAY, 10, 30))
    # The bay is free again from 10:30: an exact 10:30 fits, a 60-minute job at 10:00 does not.
    assert book(store, car(store), at(TUESDAY, 10), work_type=work(store, WorkCode.DIAGNOSIS)).appointment is None
    later = book(store, car(store), at(TUESDAY, 10, 30), work_type=work(store, WorkCode.DIAGNOSIS)).appointment
    assert (later.starts_at, later.ends_at) == (jst(TUESDAY, 10, 30), jst(TUESDAY, 11, 30))
    # The day view counts the bay busy in every slot the work touches.
    slots = {s.start.hour: s.booked for s in slots_available(store, TUESDAY)}
    assert (slots[10], slots[11], slots[12]) == (1, 1, 0)


def test_long_work_ends_by_closing_and_alternatives_respect_the_duration(store):
    shaken = work(store, WorkCode.SHAKEN)  # 180 minutes
    assert book(store, car(store), at(TUESDAY, 16), work_type=shaken).appointment is None  # would end 19:00
    book(store, car(store), at(TUESDAY, 12), work_type=work(store, WorkCode.DIAGNOSIS))  # bay busy 12–13
    found = alternatives(store, jst(TUESDAY, 0), n=3, work=work_for(store, shaken))
    # 10:00 would run into 12:00; 13:00–16:00 fits; 15:00 is the last start that ends by 18:00.
    assert found[:2] == [jst(TUESDAY, 13), jst(WEDNESDAY, 10)]
    assert all(start + dt.timedelta(hours=3) <= jst(start.date(), 18) for start in found)


def test_a_car_left_for_the_day_takes_a_day_place_not_bay_time(store):
    left = work(store, WorkCode.SHAKEN, occupies=Occupies.DAY)
    first = book(store, car(store), at(TUESDAY, 10), work_type=left).appointment
    assert (first.starts_at, first.ends_at) == (jst(TUESDAY, 10), jst(TUESDAY, 18))
    assert not BayHold.objects.filter(appointment=first).exists()
    assert DayHold.objects.get(appointment=first).pool == "day"
    assert book(store, car(store), at(TUESDAY, 11), work_type=left).appointment is None  # one place a day
    assert book(store, car(store), at(WEDNESDAY, 10), work_type=left).appointment is not None
    # The bay stays free for bay work.
    assert book(store, car(store), at(TUESDAY, 10), work_type=work(store, WorkCode.OIL)).appointment is not None


def test_a_daily_quota_caps_one_work_type_only(store):
    store.service_bays = 3
    store.save()
    oil = work(store, WorkCode.OIL)
    work_quota_set(store=store, work_type=oil, per_day=1, actor=None)
    assert book(store, car(store), at(TUESDAY, 10), work_type=oil).appointment is not None
    second = book(store, car(store), at(TUESDAY, 14), work_type=oil)
    assert second.appointment is None and second.alternatives[0].date() == WEDNESDAY
    assert book(store, car(store), at(TUESDAY, 14), work_type=work(store, WorkCode.DIAGNOSIS)).appointment is not None
    work_quota_set(store=store, work_type=oil, per_day=None, actor=None)
    assert not WorkQuota.objects.exists()
    assert book(store, car(store), at(TUESDAY, 15), work_type=oil).appointment is not None


def test_cancelling_frees_bay_time_and_seats(store):
    from vehicles.services.appointments import appointment_cancel

    oil = work(store, WorkCode.OIL)
    work_quota_set(store=store, work_type=oil, per_day=1, actor=None)
    first = book(store, car(store), at(TUESDAY, 10), work_type=oil).appointment
    appointment_cancel(appointment=first)
    assert not BayHold.objects.exists() and not DayHold.objects.exists()
    assert book(store, car(store), at(TUESDAY, 10), work_type=oil).appointment is not None


def test_the_database_refuses_overlapping_bay_time_on_one_bay(store):
    first = book(store, car(store), at(TUESDAY, 10), work_type=work(store, WorkCode.DIAGNOSIS)).appointment
    other = Appointment.objects.create(
        company=store.company, store=store, vehicle=car(store), starts_at=jst(TUESDAY, 10, 30), ends_at=jst(TUESDAY, 11)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BayHold.objects.create(store=store, bay=0, during=(jst(TUESDAY, 10, 30), jst(TUESDAY, 11)), appointment=other)
    BayHold.objects.create(store=store, bay=0, during=(first.ends_at, jst(TUESDAY, 12)), appointment=other)  # touching is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        DayHold.objects.bulk_create([
            DayHold(store=store, day=TUESDAY, pool="day", seat=0, appointment=first),
            DayHold(store=store, day=TUESDAY, pool="day", seat=0, appointment=other),
        ])


# -- concurrency: no double booking of bay time, ever ------------------------------------------


def _race(store, jobs):
    """Book every (vehicle, preference, work type) at once from its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def worker(vehicle, preference, work_type):
        try:
            barrier.wait()
            results[vehicle.pk] = book(store, vehicle, preference, key=f"race:{vehicle.pk}", work_type=work_type)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    return results


def _overlaps_on_a_bay() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM vehicles_bayhold a JOIN vehicles_bayhold b ON a.store_id = b.store_id"
            " AND a.bay = b.bay AND a.id < b.id AND a.during && b.during"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_many_threads_booking_overlapping_work_of_different_lengths_never_double_book(time_machine):
    time_machine.move_to(jst(dt.date(2026, 3, 2), 9), tick=True)
    store = StoreFactory(service_bays=2, slot_minutes=30)
    types = [work_type_for(store.company, code) for code in (WorkCode.OIL, WorkCode.DIAGNOSIS, WorkCode.INSPECTION_12M)]
    starts = [dt.time(10), dt.time(10, 30), dt.time(11)]
    jobs = [
        (VehicleFactory(company=store.company, store=store), Preference(TUESDAY, time=starts[i % 3]), types[i % 3])
        for i in range(18)
    ]
    results = _race(store, jobs)
    held = [r.appointment for r in results.values() if r.appointment is not None]
    assert held and _overlaps_on_a_bay() == 0
    assert BayHold.objects.count() == len(held) == Appointment.objects.count()
    for appointment in held:  # each holds exactly its own time
        hold = BayHold.objects.get(appointment=appointment)
        assert (hold.during.lower, hold.during.upper) == (appointment.starts_at, appointment.ends_at)


@pytest.mark.django_db(transaction=True)
def test_many_threads_racing_for_a_quota_take_exactly_its_seats(time_machine):
    time_machine.move_to(jst(dt.date(2026, 3, 2), 9), tick=True)
    store = StoreFactory(service_bays=10, slot_minutes=60)
    oil = work_type_for(store.company, WorkCode.OIL)
    work_quota_set(store=store, work_type=oil, per_day=3, actor=None)
    jobs = [(VehicleFactory(company=store.company, store=store), Preference(TUESDAY, time=dt.time(10 + i % 6)), oil)
            for i in range(12)]
    results = _race(store, jobs)
    assert sum(1 for r in results.values() if r.appointment is not None) == 3
    assert sorted(DayHold.objects.values_list("seat", flat=True)) == [0, 1, 2]


# -- the settings page ---------------------------------------------------------------------


def test_company_admins_edit_work_types_and_quotas_store_staff_read(client):
    from tests.auth import login_staff
    from tests.factories import CompanyAdminFactory, StoreStaffFactory

    store = StoreFactory()
    admin, staff = CompanyAdminFactory(company=store.company), StoreStaffFactory(store=store)
    login_staff(client, admin)
    page = client.get("/vehicles/work-types/")
    assert page.status_code == 200 and "車検" in page.content.decode()
    shaken = WorkType.objects.get(company=store.company, code="shaken")
    prefix = f"wt{shaken.pk}"
    saved = client.post("/vehicles/work-types/", {
        "action": f"save:{shaken.pk}", f"{prefix}-name": "車検", f"{prefix}-minutes": "240", f"{prefix}-occupies": "day",
        f"{prefix}-is_active": "on",
    })
    assert saved.status_code == 302
    shaken.refresh_from_db()
    assert (shaken.minutes, shaken.occupies) == (240, "day")
    bad = client.post("/vehicles/work-types/", {"action": f"save:{shaken.pk}", f"{prefix}-name": "車検", f"{prefix}-minutes": "5",
                                                 f"{prefix}-occupies": "bay"})
    assert bad.status_code == 400
    quota = client.post("/vehicles/work-types/", {"action": "quotas", f"q_{store.pk}_{shaken.pk}": "4"})
    assert quota.status_code == 302 and WorkQuota.objects.get(store=store, work_type=shaken).per_day == 4
    added = client.post("/vehicles/work-types/", {"action": "add", "new-code": "tires", "new-name": "タイヤ交換",
                                                   "new-minutes": "45", "new-occupies": "bay"})
    assert added.status_code == 302 and WorkType.objects.filter(company=store.company, code="tires").exists()
    twice = client.post("/vehicles/work-types/", {"action": "add", "new-code": "tires", "new-name": "x",
                                                   "new-minutes": "45", "new-occupies": "bay"})
    assert twice.status_code == 400

    client.logout()
    login_staff(client, staff)
    assert client.get("/vehicles/work-types/").status_code == 200
    assert client.post("/vehicles/work-types/", {"action": "quotas", f"q_{store.pk}_{shaken.pk}": "9"}).status_code == 404
    assert WorkQuota.objects.get(store=store, work_type=shaken).per_day == 4
