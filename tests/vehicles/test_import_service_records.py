"""manage.py import_service_records: DMS exports in CSV/JSON, UTF-8/BOM/Shift_JIS, per-row errors
with line numbers, each row whole or not at all, idempotent, the same visit as the portal's."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dealers.models import AuditEntry
from tests.factories import StoreFactory, VehicleFactory
from vehicles.models import (
    RecallCampaign,
    RecallStatus,
    RecallTarget,
    ServiceRecord,
    ServiceRecordItem,
    ShakenExpirySource,
)
from vehicles.parsing import service_record_file
from vehicles.parsing.service_record_file import ServiceRecordFileError, clean_row, read_file
from vehicles.services.service_records import ItemInput, service_record_create

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2027, 4, 20, 1, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def store():
    return StoreFactory(code="S1")


@pytest.fixture
def cars(store):
    return [VehicleFactory(company=store.company, store=store, chassis_number=f"ZVW30-100000{n}", shaken_expiry=D(2027, 5, 31),
                           first_registration_year=2018) for n in range(3)]  # fmt: skip


def run(tmp_path, store, text: str | bytes, name="records.csv", **options):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    out, err = io.StringIO(), io.StringIO()
    try:
        with translation.override("en"):  # the messages as written (the ja ones are checked in the portal tests)
            call_command("import_service_records", str(path), company=store.company.code, stdout=out, stderr=err, **options)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), str(exc)
    return out.getvalue(), err.getvalue(), None


HEADER = "車台番号,実施日,店舗コード,走行距離,作業項目,伝票番号\n"


def test_a_japanese_csv_with_bom_records_visits_and_their_effects(tmp_path, store, cars):
    text = HEADER + (
        "ZVW30-1000000,令和9年4月10日,S1,\"45,000km\",車検;エンジンオイル,A-1\n"
        "ＺＶＷ３０－１０００００１,2027/04/12,S1,20000,オイル交換、バッテリー交換,A-2\n"
    )
    out, err, failure = run(tmp_path, store, "\ufeff" + text)
    assert failure is None and err == ""
    assert "2 records created, 4 items added, 0 rows unchanged, 0 failed" in out
    first = ServiceRecord.objects.get(vehicle=cars[0])
    assert (first.performed_on, first.odometer_km, first.external_id, first.source) == (D(2027, 4, 10), 45000, "A-1", "import")
    cars[0].refresh_from_db()
    assert (cars[0].shaken_expiry, cars[0].shaken_expiry_source) == (D(2029, 5, 31), ShakenExpirySource.SERVICE_RECORD)
    assert sorted(ServiceRecordItem.objects.filter(vehicle=cars[1]).values_list("item", flat=True)) == ["battery_12v", "engine_oil"]
    assert AuditEntry.objects.filter(action="service_record.import", data__records=2).exists()


def test_shift_jis_and_one_row_per_item(tmp_path, store, cars):
    text = HEADER + (
        "ZVW30-1000000,2027-04-10,S1,45000,12ヶ月点検,B-1\n"
        "ZVW30-1000000,2027-04-10,S1,45000,オイルエレメント,B-1\n"
        "ZVW30-1000000,2027-04-10,S1,45000,その他:ワイパーゴム,B-1\n"
    )
    out, _err, failure = run(tmp_path, store, text.encode("cp932"))
    assert failure is None and "1 records created, 3 items added" in out
    record = ServiceRecord.objects.get()
    assert [(i.item, i.label) for i in record.items.order_by("id")] == [
        ("inspection_12m", ""), ("oil_filter", ""), ("other", "ワイパーゴム")]


def test_json_with_a_list_of_items(tmp_path, store, cars):
    data = {"service_records": [
        {"chassis_number": "ZVW30-1000002", "performed_on": "R9.4.1", "store_code": "S1", "items": ["tyres", "ブレーキフルード"],
         "odometer_km": 12000, "external_id": "J-1"},
    ]}  # fmt: skip
    out, _err, failure = run(tmp_path, store, json.dumps(data, ensure_ascii=False), name="records.json")
    assert failure is None and "1 records created, 2 items added" in out
    assert ServiceRecord.objects.get().performed_on == D(2027, 4, 1)


def test_bad_rows_are_reported_by_line_and_column_and_change_nothing(tmp_path, store, cars):
    other = VehicleFactory(chassis_number="ZVW30-1999999")  # another company's car
    campaign = RecallCampaign.objects.create(notification_number="外-1234", kind="recall", title="t", defect="-", remedy="-",
                                             published_on=D(2027, 1, 1))  # fmt: skip
    service_record_create(vehicle=cars[2], store=store, performed_on=D(2027, 1, 5), items=[ItemInput("engine_oil")],
                          odometer_km=50_000)  # fmt: skip
    text = HEADER + (
        "ZVW30-1000000,2027-04-10,S1,45000,車検,C-1\n"          # line 2: good
        f"{other.chassis_number},2027-04-10,S1,,車検,C-2\n"    # line 3: not this company's
        "ZVW30-1000001,2027-04-21,S1,,車検,C-3\n"              # line 4: tomorrow
        "ZVW30-1000001,2027-02-30,S1,,車検,C-4\n"              # line 5: no such day
        "ZVW30-1000002,2027-04-10,S1,40000,エンジンオイル,C-5\n"  # line 6: below 50,000 km
        "ZVW30-1000001,2027-04-10,S1,,リコール:外-1234,C-6\n"   # line 7: not a target
        "ZVW30-1000001,2017-04-10,S1,,タイヤ,C-7\n"            # line 8: before the first registration
        "ZVW30-1000001,2027-04-10,S9,,タイヤ,C-8\n"            # line 9: no such store
        "ZVW30-1000001,2027-04-10,S1,,洗車,C-9\n"              # line 10: not a work item
    )
    out, err, failure = run(tmp_path, store, text)
    assert failure and "8 of 9 row(s) failed" in failure
    lines = err.strip().splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        "line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9", "line 10"]
    assert "chassis_number" in lines[0] and "performed_on" in lines[1] and "performed_on" in lines[2]
    assert "odometer_km" in lines[3] and "50,000" in lines[3] and "外-1234" in lines[4]
    assert "store_code" in lines[6] and "洗車" in lines[7]
    assert "1 records created" in out
    assert ServiceRecord.objects.count() == 2  # the good row and the portal's earlier one
    assert not RecallTarget.objects.filter(campaign=campaign).exists()


def test_importing_again_changes_nothing_and_the_portals_visit_is_the_same_record(tmp_path, store, cars):
    service_record_create(vehicle=cars[0], store=store, performed_on=D(2027, 4, 10), items=[ItemInput("shaken")])
    text = HEADER + "ZVW30-1000000,2027-04-10,S1,45000,車検;エンジンオイル,D-1\n"
    out, _err, failure = run(tmp_path, store, text)
    assert failure is None and "0 records created, 1 items added" in out
    cars[0].refresh_from_db()
    assert cars[0].shaken_expiry == D(2029, 5, 31)  # rolled once
    out, _err, failure = run(tmp_path, store, text)
    assert failure is None and "0 records created, 0 items added, 1 rows unchanged, 0 failed" in out
    assert ServiceRecord.objects.count() == 1 and ServiceRecordItem.objects.count() == 2


def test_an_external_id_is_one_visit(tmp_path, store, cars):
    run(tmp_path, store, HEADER + "ZVW30-1000000,2027-04-10,S1,,タイヤ,E-1\n")
    _out, err, failure = run(tmp_path, store, HEADER + "ZVW30-1000001,2027-04-11,S1,,タイヤ,E-1\n")
    assert failure and "line 2: external_id" in err
    # Within one file too.
    _out, err, failure = run(tmp_path, store, HEADER + "ZVW30-1000001,2027-04-11,S1,,タイヤ,E-2\nZVW30-1000002,2027-04-11,S1,,タイヤ,E-2\n")
    assert failure and "line 3: external_id" in err and "line 2" not in err


def test_recall_work_marks_the_target_done(tmp_path, store, cars):
    campaign = RecallCampaign.objects.create(notification_number="外-77", kind="recall", title="t", defect="-", remedy="-",
                                             published_on=D(2027, 1, 1))  # fmt: skip
    target = RecallTarget.objects.create(campaign=campaign, chassis_number=cars[1].chassis_number, vehicle=cars[1],
                                         became_target_on=D(2027, 1, 2))  # fmt: skip
    text = "車台番号,実施日,店舗コード,作業項目,届出番号\nZVW30-1000001,2027-04-01,S1,リコール,外-77\n"
    _out, _err, failure = run(tmp_path, store, text)
    assert failure is None
    target.refresh_from_db()
    assert (target.status, target.done_on, target.done_store_id) == (RecallStatus.DONE, D(2027, 4, 1), store.pk)


def test_a_dry_run_writes_nothing(tmp_path, store, cars):
    out, _err, failure = run(tmp_path, store, HEADER + "ZVW30-1000000,2027-04-10,S1,,車検,F-1\n", dry_run=True)
    assert failure is None and "1 records created" in out and "dry run" in out
    assert not ServiceRecord.objects.exists()
    cars[0].refresh_from_db()
    assert cars[0].shaken_expiry == D(2027, 5, 31)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00\x00garbage\x81", "neither UTF-8 nor Shift_JIS"),
        ("車台番号,実施日,色\nZVW30-1000000,2027-04-10,赤\n".encode(), "unknown column"),
        ("車台番号,作業項目\nZVW30-1000000,車検\n".encode(), "performed_on"),
        (b'{"service_records": 5}', "expected a JSON object"),
        (b"[1, 2", "not valid JSON"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_line_and_nothing_is_written(tmp_path, store, cars, content, message):
    _out, _err, failure = run(tmp_path, store, content, name="records.csv" if not content.startswith((b"{", b"[")) else "r.json")
    assert failure and message in failure and "\n" not in failure
    assert not ServiceRecord.objects.exists()


def test_size_limits(tmp_path, store, cars, monkeypatch):
    monkeypatch.setattr(service_record_file, "MAX_FILE_BYTES", 200)
    _out, _err, failure = run(tmp_path, store, HEADER + "ZVW30-1000000,2027-04-10,S1,,車検,G-1\n" * 5)
    assert failure and "larger than 200 bytes" in failure
    monkeypatch.setattr(service_record_file, "MAX_FILE_BYTES", 10_000_000)
    _out, err, failure = run(tmp_path, store, HEADER + "ZVW30-1000000,2027-04-10,S1,,車検,\"" + "x" * 2_001 + "\"\n")
    assert failure and "line 2: external_id" in err and "2000" in err


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
@example(data=b'"a\nb"\n')  # an unknown column whose quoted name spans lines: still one line
def test_any_bytes_are_rows_or_one_file_error(data):
    try:
        rows = read_file(data, name="x.csv")
    except ServiceRecordFileError as exc:
        assert "\n" not in str(exc)
    else:
        for row in rows:
            assert (row.record is None) == bool(row.errors)


_cell = st.one_of(st.text(max_size=30), st.integers(-10, 3_000_000), st.none(), st.booleans(),
                  st.lists(st.text(max_size=10), max_size=3))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(values=st.dictionaries(st.sampled_from(service_record_file.COLUMNS), _cell))
def test_any_row_values_clean_to_a_visit_or_to_problems(values):
    row = clean_row("line 2", values)
    assert (row.record is None) == bool(row.errors)
    if row.record is not None:
        assert row.record.items and row.record.store_code and row.record.chassis_number


# --- the column-by-column reader gives what the row-by-row reader gives ----------------------------

_values = {
    "chassis_number": ["ZVW30-1000000", "ＺＶＷ３０－１０００００１", "zvw30-1000002", " ZVW30-1000003", "JTDKB20U093000001", "x", ""],
    "performed_on": ["2027-04-10", "2027/4/1", "令和9年4月10日", "R9.4.1", "2027-02-30", "", "tomorrow"],
    "store_code": ["S1", " S1 ", "Ｓ１", ""],
    "odometer_km": ["45000", "45,000km", "", "-5", "3000000", "４５０００", "12 km", "0045"],
    "items": ["車検", "エンジンオイル;オイルフィルター", "その他", "その他:ワイパー", "リコール", "洗車", "", "oil|tyres"],
    "recall_number": ["", "外-1234"],
    "label": ["", "プロケア10"],
    "meter_replaced": ["", "1", "はい", "maybe"],
    "external_id": ["", "A-1", "x" * 2001, "伝票１"],
    "note": ["", "メモ", "a note"],
}


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_column_reader_matches_the_row_reader(data):
    columns = data.draw(st.lists(st.sampled_from(sorted(_values)), min_size=1, unique=True))
    for required in ("chassis_number", "performed_on", "items"):
        if required not in columns:
            columns.append(required)
    rows = data.draw(st.lists(st.tuples(*(st.sampled_from(_values[c]) for c in columns)), min_size=1, max_size=8))
    odd = data.draw(st.booleans())  # a row with a cell too many, a blank line
    lines = [",".join(columns)] + [",".join(row) for row in rows] + (["", ",".join(rows[0]) + ",extra"] if odd else [])
    text = "\n".join(lines) + "\n"
    fast = list(read_file(text.encode(), name="x.csv"))
    slow = list(service_record_file._csv_rows(text))
    assert [(r.where, r.record, r.errors) for r in fast] == [(r.where, r.record, r.errors) for r in slow]


def test_a_large_file_takes_the_bulk_path_with_the_same_outcome(tmp_path, store, cars):
    # Over a thousand rows: plain inserts of what is not recorded yet (service_records._BULK_ROWS).
    service_record_create(vehicle=cars[1], store=store, performed_on=D(2026, 1, 5), items=[ItemInput("engine_oil")])
    lines = [f"{car.chassis_number},{D(2026, 1, 1) + dt.timedelta(days=day)},S1,{1_000 + day * 30},エンジンオイル,L-{n}-{day}"
             for n, car in enumerate(cars) for day in range(400)]  # fmt: skip
    lines.append(f"{cars[0].chassis_number},2026-01-01,S1,1000,タイヤ,L-0-0")  # one more item of a visit in the file
    text = HEADER + "\n".join(lines) + "\n"
    out, err, failure = run(tmp_path, store, text)
    assert failure is None and err == ""
    assert "1199 records created, 1200 items added, 1 rows unchanged, 0 failed" in out
    assert ServiceRecordItem.objects.count() == 1201 and ServiceRecord.objects.count() == 1200
    record = ServiceRecord.objects.get(vehicle=cars[0], performed_on=D(2026, 1, 1))
    assert [i.item for i in record.items.order_by("id")] == ["engine_oil", "tyres"]  # in file order
    out, _err, failure = run(tmp_path, store, text)
    assert failure is None and "0 records created, 0 items added, 1201 rows unchanged, 0 failed" in out


def test_a_bulk_insert_broken_by_a_concurrent_visit_is_redone_with_on_conflict(store, cars):
    from django.db import connection

    from vehicles.services import service_records

    service_record_create(vehicle=cars[0], store=store, performed_on=D(2027, 1, 5), items=[ItemInput("engine_oil")])
    duplicate = ("INSERT INTO vehicles_servicerecord (company_id, store_id, vehicle_id, performed_on, meter_replaced, source,"
                 " external_id, note, shaken_expiry_applied, created_at)"
                 " SELECT company_id, store_id, vehicle_id, performed_on, FALSE, 'import', '', '', FALSE, now()"
                 " FROM vehicles_servicerecord")  # fmt: skip
    with connection.cursor() as cursor:
        assert service_records._insert(cursor, duplicate, duplicate + " ON CONFLICT DO NOTHING", {}) == 0
        cursor.execute("SELECT count(*) FROM vehicles_servicerecord")  # the transaction goes on
        assert cursor.fetchone()[0] == 1
