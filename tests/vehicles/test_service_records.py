"""Service records (整備記録): the refusal rules, what a record changes, last done per item."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dealers.models import AuditEntry
from tests.factories import StoreFactory, StoreStaffFactory, VehicleFactory
from vehicles.models import (
    RecallCampaign,
    RecallStatus,
    RecallTarget,
    ServiceItem,
    ServiceRecord,
    ServiceRecordItem,
    ServiceRecordSource,
    ShakenExpirySource,
    Vehicle,
    VehicleClass,
    VehicleState,
    VehicleUse,
)
from vehicles.selectors.service_records import (
    battery_replaced_on_sql,
    last_done,
    last_done_sql,
    latest_shaken_record,
    periodic_done_range,
    service_history,
)
from vehicles.services.service_records import (
    ODOMETER_TOLERANCE_KM,
    ItemInput,
    RecordInput,
    service_record_create,
    service_records_apply,
)

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2027, 4, 20)


@pytest.fixture(autouse=True)
def _today():
    # 10:00 in Tokyo: the business date is TODAY.
    with time_machine.travel(dt.datetime(2027, 4, 20, 1, 0, tzinfo=dt.UTC), tick=False):
        yield


def car(**fields) -> Vehicle:
    store = fields.pop("store", None) or StoreFactory()
    fields.setdefault("shaken_expiry", D(2027, 5, 31))
    return VehicleFactory(company=store.company, store=store, **fields)


def record(vehicle, *items, on=TODAY, **fields):
    given = tuple(ItemInput(i) if isinstance(i, str) else i for i in items)
    return service_record_create(vehicle=vehicle, store=fields.pop("store", vehicle.store), performed_on=on, items=given, **fields)


def expiry(vehicle) -> tuple[dt.date | None, str]:
    vehicle.refresh_from_db()
    return vehicle.shaken_expiry, vehicle.shaken_expiry_source


# --- shaken: the expiry rolls forward by domain §2 -----------------------------------------------


def test_shaken_in_the_window_keeps_the_old_date_and_stores_its_source():
    vehicle = car()  # private passenger: 2 years after the first period
    outcome = record(vehicle, ServiceItem.SHAKEN, odometer_km=30_000)
    assert (outcome.expiry_before, outcome.expiry_after) == (D(2027, 5, 31), D(2029, 5, 31))
    assert expiry(vehicle) == (D(2029, 5, 31), ShakenExpirySource.SERVICE_RECORD)
    saved = outcome.record
    assert (saved.shaken_expiry_before, saved.shaken_expiry_computed, saved.shaken_expiry_applied) == (
        D(2027, 5, 31), D(2029, 5, 31), True)
    assert saved.source == ServiceRecordSource.PORTAL and saved.company_id == vehicle.company_id
    assert AuditEntry.objects.filter(action="service_record.create", target_id=str(saved.pk)).exists()


@pytest.mark.parametrize(
    ("vehicle_class", "use", "old", "on", "new"),
    [
        # The window opens two months before (same day, clamped to month end: 05-31 → 03-31).
        (VehicleClass.PASSENGER, VehicleUse.PRIVATE, D(2027, 5, 31), D(2027, 3, 31), D(2029, 5, 31)),
        # A day before the window: the period starts on the inspection day.
        (VehicleClass.PASSENGER, VehicleUse.PRIVATE, D(2027, 5, 31), D(2027, 3, 30), D(2029, 3, 29)),
        # Lapsed: the period starts on the inspection day too.
        (VehicleClass.PASSENGER, VehicleUse.PRIVATE, D(2027, 3, 31), D(2027, 4, 20), D(2029, 4, 19)),
        # Before 2025-04-01 the window was one month.
        (VehicleClass.PASSENGER, VehicleUse.PRIVATE, D(2025, 4, 30), D(2025, 3, 20), D(2027, 3, 19)),
        (VehicleClass.PASSENGER, VehicleUse.PRIVATE, D(2025, 4, 30), D(2025, 3, 30), D(2027, 4, 30)),
        # Renewal periods by class and use, not the first period.
        (VehicleClass.KEI_PASSENGER, VehicleUse.PRIVATE, D(2027, 5, 31), D(2027, 4, 1), D(2029, 5, 31)),
        (VehicleClass.KEI_FREIGHT, VehicleUse.PRIVATE, D(2027, 5, 31), D(2027, 4, 1), D(2029, 5, 31)),
        (VehicleClass.FREIGHT_SMALL, VehicleUse.PRIVATE, D(2027, 5, 31), D(2027, 4, 1), D(2028, 5, 31)),
        (VehicleClass.FREIGHT_LARGE, VehicleUse.PRIVATE, D(2027, 5, 31), D(2027, 4, 1), D(2028, 5, 31)),
        (VehicleClass.BUS, VehicleUse.PRIVATE, D(2027, 5, 31), D(2027, 4, 1), D(2028, 5, 31)),
        (VehicleClass.SPECIAL, VehicleUse.PRIVATE, D(2027, 5, 31), D(2027, 4, 1), D(2029, 5, 31)),
        (VehicleClass.PASSENGER, VehicleUse.COMMERCIAL, D(2027, 5, 31), D(2027, 4, 1), D(2028, 5, 31)),
        (VehicleClass.PASSENGER, VehicleUse.RENTAL, D(2027, 5, 31), D(2027, 4, 1), D(2028, 5, 31)),
        (VehicleClass.KEI_FREIGHT, VehicleUse.COMMERCIAL, D(2027, 5, 31), D(2027, 4, 1), D(2029, 5, 31)),
        # 29 February: a period from 02-29 ends at the end of February when there is none.
        (VehicleClass.PASSENGER, VehicleUse.PRIVATE, D(2026, 2, 28), D(2024, 2, 29), D(2026, 2, 28)),
        (VehicleClass.PASSENGER, VehicleUse.PRIVATE, D(2028, 2, 29), D(2026, 2, 27), D(2028, 2, 26)),
        # Month end: in the window of a 02-28 expiry (opens 12-28), the new period starts 03-01.
        (VehicleClass.PASSENGER, VehicleUse.PRIVATE, D(2027, 2, 28), D(2026, 12, 28), D(2029, 2, 28)),
    ],
)
def test_next_expiry_class_by_class_window_edges_month_end_and_leap_day(vehicle_class, use, old, on, new):
    vehicle = car(vehicle_class=vehicle_class, use=use, shaken_expiry=old, first_registration_year=2015)
    outcome = record(vehicle, ServiceItem.SHAKEN, on=on)
    assert outcome.record.shaken_expiry_computed == new
    if new > old:
        assert expiry(vehicle) == (new, ShakenExpirySource.SERVICE_RECORD)
    else:  # never backwards
        assert expiry(vehicle)[0] == old and not outcome.record.shaken_expiry_applied


def test_a_car_without_an_expiry_gets_one_from_the_inspection_day():
    vehicle = car(shaken_expiry=None)
    record(vehicle, ServiceItem.SHAKEN)
    assert expiry(vehicle) == (D(2029, 4, 19), ShakenExpirySource.SERVICE_RECORD)


def test_an_old_shaken_from_history_is_kept_but_never_moves_the_expiry_back():
    vehicle = car(shaken_expiry=D(2027, 5, 31), first_registration_year=2018)
    outcome = record(vehicle, ServiceItem.SHAKEN, on=D(2023, 5, 20))
    assert expiry(vehicle)[0] == D(2027, 5, 31)
    assert outcome.record.shaken_expiry_computed == D(2025, 5, 19) and not outcome.record.shaken_expiry_applied


def test_double_submit_is_one_record_and_rolls_the_expiry_once():
    vehicle = car()
    first = record(vehicle, ServiceItem.SHAKEN, ServiceItem.ENGINE_OIL, odometer_km=30_000)
    again = record(vehicle, ServiceItem.SHAKEN, ServiceItem.ENGINE_OIL, odometer_km=30_000)
    assert first.created and not again.created and again.items_added == 0
    assert again.record.pk == first.record.pk
    assert ServiceRecord.objects.count() == 1 and ServiceRecordItem.objects.count() == 2
    assert expiry(vehicle)[0] == D(2029, 5, 31)
    # A later submit of the same visit with one more item adds that item only.
    more = record(vehicle, ServiceItem.SHAKEN, ServiceItem.OIL_FILTER)
    assert more.items_added == 1 and ServiceRecordItem.objects.count() == 3


# --- refusals: a clear message and nothing changed -------------------------------------------------


def refused(vehicle, *items, **fields) -> dict[str, list[str]]:
    before = (ServiceRecord.objects.count(), ServiceRecordItem.objects.count(), expiry(vehicle))
    with pytest.raises(ValidationError) as caught:
        record(vehicle, *items, **fields)
    assert (ServiceRecord.objects.count(), ServiceRecordItem.objects.count(), expiry(vehicle)) == before
    return caught.value.message_dict


def test_a_date_in_the_future_is_refused():
    errors = refused(car(), ServiceItem.SHAKEN, on=TODAY + dt.timedelta(days=1))
    assert "未来" in errors["performed_on"][0]


def test_a_date_before_the_first_registration_is_refused():
    vehicle = car(first_registration_year=2024, first_registration_month=6)
    errors = refused(vehicle, ServiceItem.ENGINE_OIL, on=D(2024, 5, 31))
    assert "初度登録" in errors["performed_on"][0]
    assert record(vehicle, ServiceItem.ENGINE_OIL, on=D(2024, 6, 1)).created


def test_an_odometer_below_the_last_record_is_refused_unless_the_meter_was_replaced():
    vehicle = car()
    record(vehicle, ServiceItem.ENGINE_OIL, on=D(2026, 10, 1), odometer_km=40_000)
    errors = refused(vehicle, ServiceItem.ENGINE_OIL, odometer_km=40_000 - ODOMETER_TOLERANCE_KM - 1)
    assert "40,000 km" in errors["odometer_km"][0]
    # Within the tolerance, or with the meter replaced, it is recorded.
    assert record(vehicle, ServiceItem.TYRES, on=D(2027, 1, 5), odometer_km=40_000 - ODOMETER_TOLERANCE_KM).created
    assert record(vehicle, ServiceItem.ENGINE_OIL, on=D(2027, 2, 1), odometer_km=12, meter_replaced=True).created
    # The replaced meter's reading is the new baseline, for that visit's other items too.
    assert record(vehicle, ServiceItem.OIL_FILTER, on=D(2027, 2, 1), odometer_km=12).items_added == 1
    assert record(vehicle, ServiceItem.SMART_KEY_BATTERY, on=TODAY, odometer_km=2_000).created


def test_an_odometer_below_the_cars_own_report_is_refused():
    vehicle = car()
    VehicleState.objects.create(
        vehicle=vehicle, last_recorded_at=timezone.now() - dt.timedelta(days=1), updated_at=timezone.now(), odometer_km=52_000,
    )
    errors = refused(vehicle, ServiceItem.ENGINE_OIL, odometer_km=51_000)
    assert "52,000 km" in errors["odometer_km"][0]
    # A record of an earlier day is not held against a report made after it.
    assert record(vehicle, ServiceItem.ENGINE_OIL, on=D(2026, 4, 1), odometer_km=30_000).created


def recall_for(vehicle, number="外-1234") -> RecallTarget:
    campaign = RecallCampaign.objects.create(
        notification_number=number, kind="recall", title="燃料ポンプ", defect="-", remedy="-", published_on=D(2027, 1, 10)
    )
    return RecallTarget.objects.create(campaign=campaign, chassis_number=vehicle.chassis_number, vehicle=vehicle,
                                       became_target_on=D(2027, 1, 11))  # fmt: skip


def test_recall_work_marks_the_target_done_through_the_recall_service():
    vehicle = car()
    target = recall_for(vehicle)
    actor = StoreStaffFactory(store=vehicle.store)
    record(vehicle, ItemInput(ServiceItem.RECALL, recall_campaign_id=target.campaign_id), actor=actor)
    target.refresh_from_db()
    assert (target.status, target.done_on, target.done_store_id, target.marked_by_id) == (
        RecallStatus.DONE, TODAY, vehicle.store_id, actor.pk)
    assert AuditEntry.objects.filter(action="recall_target.done", target_id=str(target.pk)).exists()


def test_recall_work_for_a_campaign_the_car_is_not_a_target_of_is_refused():
    vehicle, other = car(), car()
    target = recall_for(other)
    errors = refused(vehicle, ServiceItem.SHAKEN, ItemInput(ServiceItem.RECALL, recall_campaign_id=target.campaign_id))
    assert "外-1234" in errors["items"][0]
    target.refresh_from_db()
    assert target.status == RecallStatus.NOT_DONE


def test_items_need_what_they_need():
    vehicle = car()
    assert "1つ以上" in refused(vehicle)["items"][0]
    assert refused(vehicle, ServiceItem.OTHER)["items"]
    assert refused(vehicle, ItemInput("wash"))["items"]
    assert record(vehicle, ItemInput(ServiceItem.OTHER, label="ワイパーゴム交換")).created


def test_a_store_of_another_company_is_refused():
    vehicle = car()
    errors = refused(vehicle, ServiceItem.ENGINE_OIL, store=StoreFactory())
    assert errors["store"]


def test_another_companys_car_is_not_found_by_the_engine():
    vehicle, mine = car(), car()
    result = service_records_apply(
        company=mine.company, source=ServiceRecordSource.IMPORT,
        rows=[RecordInput(chassis_number=vehicle.chassis_number, store_id=mine.store_id, performed_on=TODAY,
                          items=(ItemInput(ServiceItem.ENGINE_OIL),))],
    )  # fmt: skip
    assert result.errors[0][0][0] == "vehicle" and not ServiceRecord.objects.exists()


# --- last done, per car and item, set-based ---------------------------------------------------------


def test_last_done_per_item_and_the_battery_restart_date(django_assert_num_queries):
    a, b = car(), car()
    record(a, ServiceItem.ENGINE_OIL, ServiceItem.BATTERY_12V, on=D(2026, 4, 1), odometer_km=20_000)
    record(a, ServiceItem.ENGINE_OIL, on=D(2027, 3, 1), odometer_km=31_000)
    record(b, ServiceItem.ENGINE_OIL, on=D(2026, 12, 24), odometer_km=8_000)
    with django_assert_num_queries(1):
        done = last_done(vehicle_ids=[a.pk, b.pk], items=[ServiceItem.ENGINE_OIL, ServiceItem.BATTERY_12V])
    assert (done[a.pk, "engine_oil"].performed_on, done[a.pk, "engine_oil"].odometer_km) == (D(2027, 3, 1), 31_000)
    assert done[a.pk, "battery_12v"].performed_on == D(2026, 4, 1)
    assert done[b.pk, "engine_oil"].odometer_km == 8_000 and (b.pk, "battery_12v") not in done
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT v.id, {battery_replaced_on_sql('v.id')} FROM vehicles_vehicle v ORDER BY v.id")  # noqa: S608 - SQL from the selector
        assert cursor.fetchall() == [(a.pk, D(2026, 4, 1)), (b.pk, None)]
        cursor.execute(f"SELECT count(*) FROM {last_done_sql()} d")  # noqa: S608
        assert cursor.fetchone()[0] == 3


def test_history_is_newest_first_with_items_in_two_queries(django_assert_num_queries):
    vehicle = car()
    record(vehicle, ServiceItem.ENGINE_OIL, on=D(2026, 4, 1))
    record(vehicle, ServiceItem.SHAKEN, ServiceItem.BRAKE_FLUID, on=D(2027, 4, 1))
    with django_assert_num_queries(2):
        history = service_history(vehicle)
        items = [[i.item for i in r.items.all()] for r in history]
    assert [r.performed_on for r in history] == [D(2027, 4, 1), D(2026, 4, 1)]
    assert items == [["shaken", "brake_fluid"], ["engine_oil"]]


def test_periodic_done_range_mirrors_the_sql():
    assert periodic_done_range(D(2027, 4, 20)) == (D(2027, 3, 1), D(2027, 6, 1))
    assert periodic_done_range(D(2027, 12, 31)) == (D(2027, 11, 1), D(2028, 2, 1))


def test_a_certificate_import_later_wins_and_the_record_keeps_its_computed_date(tmp_path):
    vehicle = car()
    record(vehicle, ServiceItem.SHAKEN)
    assert expiry(vehicle) == (D(2029, 5, 31), ShakenExpirySource.SERVICE_RECORD)
    path = tmp_path / "certificates.csv"
    path.write_text(f"車台番号,有効期間の満了する日\n{vehicle.chassis_number},令和11年6月10日\n", encoding="utf-8")
    call_command("import_vehicles", str(path), company=vehicle.company.code)
    assert expiry(vehicle) == (D(2029, 6, 10), ShakenExpirySource.CERTIFICATE)
    assert latest_shaken_record(vehicle).shaken_expiry_computed == D(2029, 5, 31)  # both are shown
