import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealers.models import AuditEntry
from tests.factories import CustomerFactory, DealerCompanyFactory, StoreFactory, VehicleFactory
from vehicles.models import Customer, Equipment, StoreRegistration, Vehicle, VehicleClass, VehicleUse
from vehicles.parsing.vehicle_file import read_csv
from vehicles.services.vehicle_import import vehicles_import

pytestmark = pytest.mark.django_db

# Django's own messages come in the active language (LANGUAGE_CODE "ja").
BLANK = Vehicle._meta.get_field("car_name").error_messages["blank"]

HEADER = (
    "chassis_number,model_code,car_name,plate,vehicle_class,use,first_registration,shaken_expiry,"
    "remarks,odometer_km,equipment,navi_paired,customer_name,customer_name_kana,customer_email,"
    "customer_phone,store_code"
)
JA_HEADER = "車台番号,型式,車名,登録番号,初度登録年月,有効期間の満了する日,備考,顧客名,電話番号,店舗コード,用途,自家用・事業用"


@pytest.fixture
def company():
    return DealerCompanyFactory(code="tokyo")


@pytest.fixture
def store(company):
    return StoreFactory(company=company, code="S001", with_hours=False)


@pytest.fixture
def closed_store(company):
    return StoreFactory(company=company, code="S009", participates_in_remote_maintenance=False, with_hours=False)


def run(path, *args, company="tokyo"):
    """call_command returning (stdout, stderr); CommandError propagates."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_vehicles", str(path), "--company", company, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(path, *args, company="tokyo"):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_vehicles", str(path), "--company", company, *args, stdout=out, stderr=err)
    message = str(exc.value)
    assert "\n" not in message  # one line, never a traceback
    return message, out.getvalue(), err.getvalue()


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def cert(**values):
    """One record shaped like the 車検証閲覧アプリ export (full-width, padded values)."""
    info = {
        "EntryNoCarNo": "品川　３３０　さ　１２－３４",
        "CarNo": "ＭＸＡＡ５４－４００００１２",
        "Model": "６ＡＡ－ＭＸＡＡ５４",
        "CarName": "トヨタ",
        "ValidPeriodExpirdateE": "令和",
        "ValidPeriodExpirdateY": " 8",
        "ValidPeriodExpirdateM": " 5",
        "ValidPeriodExpirdateD": "31",
        "FirstregistdateE": "令和",
        "FirstregistdateY": " 5",
        "FirstregistdateM": " 6",
        "NoteInfo": "ＯＢＤ検査対象",
        "CarKind": "普通",
        "Use": "乗用",
        "PrivateBusiness": "自家用",
        "OwnernameHighLevelChar": "所有者の氏名",
        **values,
    }
    return {"CertInfoImportFileVersion": "1.0", "CertInfo": info}


# --- JSON --------------------------------------------------------------------------------


def test_json_certificate_export_with_era_dates(tmp_path, company):
    second = cert(
        CarNo="ＺＶＷ３０－１０００１００", Model="ＤＡＡ－ＺＶＷ３０", EntryNoCarNo="多摩 500 わ ・・12",
        ValidPeriodExpirdateE="5", ValidPeriodExpirdateY="元", ValidPeriodExpirdateM="5",
        ValidPeriodExpirdateD="1", FirstregistdateE="平成", FirstregistdateY="31",
        FirstregistdateM="4", NoteInfo="",
    )  # fmt: skip
    path = write(tmp_path, "certs.json", json.dumps([cert(), second], ensure_ascii=False))

    out, err = run(path)

    assert "2 created, 0 updated, 0 unchanged, 0 failed" in out
    assert err == ""
    first = Vehicle.objects.get(chassis_number="MXAA54-4000012")
    assert first.company == company
    assert (first.model_code, first.car_name) == ("MXAA54", "トヨタ")
    assert (first.plate_region, first.plate_class, first.plate_kana, first.plate_serial) == ("品川", "330", "さ", 1234)
    assert first.plate_display == "品川 330 さ 12-34"
    assert first.plate_search == "品川330さ1234"
    assert first.shaken_expiry == dt.date(2026, 5, 31)
    assert (first.first_registration_year, first.first_registration_month) == (2023, 6)
    assert first.obd_inspection_target is True
    assert first.remarks == "ＯＢＤ検査対象"
    assert (first.vehicle_class, first.use) == (VehicleClass.PASSENGER, VehicleUse.PRIVATE)
    assert first.customer is None  # the certificate's owner name is not imported
    rental = Vehicle.objects.get(chassis_number="ZVW30-1000100")
    assert rental.model_code == "ZVW30"
    assert rental.shaken_expiry == dt.date(2019, 5, 1)
    assert (rental.first_registration_year, rental.first_registration_month) == (2019, 4)
    assert rental.use == VehicleUse.RENTAL  # from the plate's わ
    assert rental.plate_display == "多摩 500 わ ・・12"
    assert rental.obd_inspection_target is False


def test_json_certificate_class_and_use_hints(tmp_path, company):
    records = [
        cert(CarNo="S321V-0100001", Model="S321V", CarKind="軽自動車", Use="貨物", EntryNoCarNo="足立 480 あ 1"),
        cert(CarNo="FE82DJ-510001", Model="FE82DJ", Use="貨物", CarTotalWgt="１０，９８５",
             PrivateBusiness="事業用", EntryNoCarNo="足立 100 か 2"),
        cert(CarNo="KDH201-0000100", Model="KDH201", Use="乗合", EntryNoCarNo="足立 200 さ 3"),
    ]  # fmt: skip
    path = write(tmp_path, "kinds.json", json.dumps({"vehicles": records}, ensure_ascii=False))

    run(path)

    kinds = dict(Vehicle.objects.values_list("chassis_number", "vehicle_class"))
    uses = dict(Vehicle.objects.values_list("chassis_number", "use"))
    assert kinds == {
        "S321V-0100001": VehicleClass.KEI_FREIGHT,
        "FE82DJ-510001": VehicleClass.FREIGHT_LARGE,
        "KDH201-0000100": VehicleClass.BUS,
    }
    assert uses["S321V-0100001"] == VehicleUse.COMMERCIAL  # あ plate
    assert uses["FE82DJ-510001"] == VehicleUse.COMMERCIAL
    assert uses["KDH201-0000100"] == VehicleUse.PRIVATE


def test_json_own_column_names_single_object(tmp_path, company, store):
    record = {
        "chassis_number": "JTDKB20U093123456",
        "model_code": "NHW20",
        "car_name": "プリウス",
        "shaken_expiry": "R8.5.31",
        "first_registration": "2022-05",
        "odometer_km": 12345,
        "navi_paired": True,
        "equipment": "dcm_only",
        "store_code": "S001",
    }
    path = write(tmp_path, "one.json", json.dumps(record, ensure_ascii=False))

    out, _ = run(path)

    assert "1 created" in out
    vehicle = Vehicle.objects.get()
    assert vehicle.chassis_number == "JTDKB20U093123456"
    assert (vehicle.odometer_km, vehicle.navi_paired, vehicle.equipment) == (12345, True, Equipment.DCM_ONLY)
    assert vehicle.shaken_expiry == dt.date(2026, 5, 31)
    assert vehicle.store == store
    assert StoreRegistration.objects.get(vehicle=vehicle, ended_at__isnull=True).store == store


def test_json_bad_items_are_reported_by_index(tmp_path, company):
    records = [cert(), "not an object", cert(CarNo="ZVW30-1000200", ValidPeriodExpirdateM="2", ValidPeriodExpirdateD="30")]
    path = write(tmp_path, "mixed.json", json.dumps(records, ensure_ascii=False))

    message, out, err = run_failing(path)

    assert err.splitlines() == [
        f"{path}: [1]: is not a JSON object",
        f"{path}: [2]: shaken_expiry: 令和8年2月30日 is not a date",
    ]
    assert "1 created, 0 updated, 0 unchanged, 2 failed" in out
    assert message == f"{path}: 2 of 3 row(s) failed; the other rows were imported"
    assert list(Vehicle.objects.values_list("chassis_number", flat=True)) == ["MXAA54-4000012"]


# --- CSV ---------------------------------------------------------------------------------


def good_csv_lines():
    return [
        HEADER,
        "ZVW30-1000083,DAA-ZVW30,プリウス,品川 330 さ 12-34,passenger,private,令和4年5月,令和7年4月30日,"
        "OBD検査対象,\"12,345\",navi,1,山田 太郎,ヤマダ タロウ,taro@example.jp,090-1234-5678,S001",
        "ｍｘｐａ１０ー０００１２３４,,ヤリス,練馬 30A わ 1,,,2023/7,2026-07-31,,,none,no,,,,,",
    ]


def test_csv_with_all_columns(tmp_path, company, store):
    path = write(tmp_path, "vehicles.csv", "\n".join(good_csv_lines()) + "\n")

    out, err = run(path)

    assert "2 created, 0 updated, 0 unchanged, 0 failed" in out
    assert err == ""
    prius = Vehicle.objects.get(chassis_number="ZVW30-1000083")
    assert prius.model_code == "ZVW30"
    assert prius.first_registration_display == "2022-05"
    assert prius.shaken_expiry == dt.date(2025, 4, 30)
    assert prius.obd_inspection_target is True
    assert prius.odometer_km == 12345
    assert (prius.equipment, prius.navi_paired) == (Equipment.NAVI, True)
    assert prius.store == store
    owner = prius.customer
    assert (owner.company, owner.name, owner.email, owner.phone) == (company, "山田 太郎", "taro@example.jp", "09012345678")
    assert owner.name_kana == "ヤマダ タロウ"
    yaris = Vehicle.objects.get(chassis_number="MXPA10-0001234")
    assert yaris.model_code == "MXPA10"  # from the chassis number
    assert (yaris.plate_class, yaris.plate_kana, yaris.use) == ("30A", "わ", VehicleUse.RENTAL)
    assert (yaris.equipment, yaris.navi_paired, yaris.customer, yaris.store) == (Equipment.NONE, False, None, None)
    actions = sorted(AuditEntry.objects.values_list("action", flat=True))
    assert actions == sorted(
        ["customer.create", "vehicle.create", "vehicle.create", "vehicle.store_change", "vehicle.import"]
    )


def test_csv_shift_jis_with_japanese_headers(tmp_path, company, store):
    text = "\r\n".join([
        JA_HEADER,
        "ＫＳＰ２１０－００４５０２５,５ＢＡ－ＫＳＰ２１０,ヤリス,尾張小牧 500 な 88-88,Ｒ３．１０,R08/10/14,,鈴木 花子,03-1234-5678,S001,貨物,事業用",
    ]) + "\r\n"  # fmt: skip
    path = write(tmp_path, "sjis.csv", text, encoding="cp932")

    out, _ = run(path)

    assert "1 created" in out
    vehicle = Vehicle.objects.get()
    assert (vehicle.chassis_number, vehicle.model_code) == ("KSP210-0045025", "KSP210")
    assert vehicle.plate_display == "尾張小牧 500 な 88-88"
    assert (vehicle.first_registration_year, vehicle.first_registration_month) == (2021, 10)
    assert vehicle.shaken_expiry == dt.date(2026, 10, 14)
    assert vehicle.customer.name == "鈴木 花子"
    assert vehicle.customer.phone == "0312345678"
    assert (vehicle.vehicle_class, vehicle.use) == (VehicleClass.FREIGHT_SMALL, VehicleUse.COMMERCIAL)


def test_csv_utf8_with_bom(tmp_path, company):
    text = "\ufeffchassis_number,car_name,shaken_expiry\nZVW30-1000083,プリウス,2026/5/31\n"
    path = write(tmp_path, "bom.csv", text)

    run(path)

    vehicle = Vehicle.objects.get()
    assert (vehicle.chassis_number, vehicle.shaken_expiry) == ("ZVW30-1000083", dt.date(2026, 5, 31))


def test_csv_bad_rows_report_physical_lines_and_good_rows_are_imported(tmp_path, company, store, closed_store):
    other = VehicleFactory(chassis_number="NHP10-2000001")  # another dealer company's car
    lines = [
        "chassis_number,car_name,shaken_expiry,store_code,remarks",
        "ZVW30-1000083,プリウス,令和8年5月31日,S001,",
        'ZVW30-1000084,プリウス,令和8年5月31日,,"two',  # a quoted cell across two lines
        'lines"',
        "ZVW30 1000085,プリウス,令和8年5月31日,,",  # line 5: bad chassis number
        "ZVW30-1000086,プリウス,令和8年2月30日,,",  # line 6: bad date
        "ZVW30-1000087,プリウス,令和8年5月31日,S404,",  # line 7: unknown store
        "ZVW30-1000088,プリウス,令和8年5月31日,S009,",  # line 8: store not taking part
        "NHP10-2000001,アクア,令和8年5月31日,,",  # line 9: another company's chassis
        "",
        "ZVW30-1000089,,令和8年5月31日,,",  # line 11: a new car needs its name
        "ZVW30,プリウス,平成31年5月1日,S001,",  # line 12: two problems, both reported
    ]
    path = write(tmp_path, "bad.csv", "\n".join(lines) + "\n")

    message, out, err = run_failing(path)

    errors = [line.removeprefix(f"{path}: ") for line in err.splitlines()]
    assert errors[0].startswith("line 5: chassis_number: ZVW301000085 is not a chassis number")
    assert errors[1:] == [
        "line 6: shaken_expiry: 令和8年2月30日 is not a date",
        "line 7: store_code: no store with code S404 in tokyo",
        "line 8: store_code: This store does not take part in remote maintenance and cannot be registered.",
        "line 9: chassis_number: NHP10-2000001 is registered to another dealer company",
        f"line 11: car_name: {BLANK}",
        "line 12: chassis_number: ZVW30 is not a chassis number: expected a model code, a hyphen"
        " and a serial (e.g. ZVW30-1000083) or a 17-character VIN.",
        "line 12: shaken_expiry: 平成31年5月1日 is outside the 平成 era (1989-01-08 – 2019-04-30)",
    ]
    assert "2 created, 0 updated, 0 unchanged, 7 failed" in out
    assert message == f"{path}: 7 of 9 row(s) failed; the other rows were imported"
    ours = Vehicle.objects.filter(company=company).order_by("chassis_number")
    assert list(ours.values_list("chassis_number", "remarks")) == [
        ("ZVW30-1000083", ""),
        ("ZVW30-1000084", "two\nlines"),
    ]
    other.refresh_from_db()
    assert (other.company_id, other.car_name) != (company.pk, "アクア")


def test_a_failing_row_leaves_nothing_behind(tmp_path, company, closed_store):
    """The owner is created before the store check would fail: the savepoint undoes it."""
    lines = [HEADER, "ZVW30-1000083,,プリウス,,,,,,,,,,新規 顧客,,new@example.jp,,S009"]
    path = write(tmp_path, "rollback.csv", "\n".join(lines))

    run_failing(path)

    assert not Vehicle.objects.exists()
    assert not Customer.objects.exists()
    assert not AuditEntry.objects.exists()


def test_vin_without_model_code_is_an_error(tmp_path, company):
    path = write(tmp_path, "vin.csv", "chassis_number,car_name\nJTDKB20U093123456,プリウス\n")

    _, _, err = run_failing(path)

    assert err.strip().endswith(f"line 2: model_code: {BLANK}")


# --- re-runs, updates, dry run -----------------------------------------------------------


def test_rerun_changes_nothing(tmp_path, company, store):
    path = write(tmp_path, "vehicles.csv", "\n".join(good_csv_lines()))
    run(path)
    stamps = dict(Vehicle.objects.values_list("chassis_number", "updated_at"))
    audit_count = AuditEntry.objects.count()

    out, _ = run(path)

    assert "0 created, 0 updated, 2 unchanged, 0 failed" in out
    assert dict(Vehicle.objects.values_list("chassis_number", "updated_at")) == stamps
    assert AuditEntry.objects.count() == audit_count
    assert Customer.objects.count() == 1
    assert StoreRegistration.objects.count() == 1


def test_update_writes_only_changed_fields_and_blank_cells_keep_values(tmp_path, company, store):
    run(write(tmp_path, "first.csv", "\n".join(good_csv_lines())))
    prius = Vehicle.objects.get(chassis_number="ZVW30-1000083")
    lines = ["chassis_number,shaken_expiry,odometer_km,plate", "ZVW30-1000083,令和9年4月30日,,"]

    out, _ = run(write(tmp_path, "second.csv", "\n".join(lines)))

    assert "0 created, 1 updated, 0 unchanged, 0 failed" in out
    prius.refresh_from_db()
    assert prius.shaken_expiry == dt.date(2027, 4, 30)
    assert prius.odometer_km == 12345  # blank cell: unchanged
    assert prius.plate_display == "品川 330 さ 12-34"
    entry = AuditEntry.objects.filter(action="vehicle.update").get()
    assert entry.data == {"source": "import", "fields": ["shaken_expiry"]}


def test_owner_matched_by_email_is_not_duplicated(tmp_path, company):
    existing = CustomerFactory(company=company, name="佐藤 次郎", email="jiro@example.jp")
    lines = [
        "chassis_number,car_name,customer_name,customer_email",
        "ZVW30-1000083,プリウス,佐藤 次郎,JIRO@example.jp",
        "ZVW30-1000084,アクア,佐藤 次郎,jiro@example.jp",
    ]
    run(write(tmp_path, "owners.csv", "\n".join(lines)))

    assert Customer.objects.count() == 1
    assert set(Vehicle.objects.values_list("customer_id", flat=True)) == {existing.pk}


def test_customer_of_another_company_is_never_matched(tmp_path, company):
    CustomerFactory(email="jiro@example.jp")  # same e-mail, another dealer company
    lines = ["chassis_number,car_name,customer_name,customer_email", "ZVW30-1000083,プリウス,佐藤 次郎,jiro@example.jp"]
    run(write(tmp_path, "owners.csv", "\n".join(lines)))

    vehicle = Vehicle.objects.get()
    assert vehicle.customer.company == company
    assert Customer.objects.filter(email="jiro@example.jp").count() == 2


def test_changing_store_moves_the_registration(tmp_path, company, store):
    run(write(tmp_path, "a.csv", "\n".join(good_csv_lines())))
    other_store = StoreFactory(company=company, code="S002", with_hours=False)
    lines = ["chassis_number,store_code", "ZVW30-1000083,S002"]

    out, _ = run(write(tmp_path, "b.csv", "\n".join(lines)))

    assert "1 updated" in out
    vehicle = Vehicle.objects.get(chassis_number="ZVW30-1000083")
    assert vehicle.store == other_store
    assert StoreRegistration.objects.get(vehicle=vehicle, ended_at__isnull=True).store == other_store


def test_dry_run_writes_nothing(tmp_path, company, store):
    path = write(tmp_path, "vehicles.csv", "\n".join(good_csv_lines()))

    out, _ = run(path, "--dry-run")

    assert "2 created, 0 updated, 0 unchanged, 0 failed (dry run: nothing written)" in out
    assert not Vehicle.objects.exists()
    assert not Customer.objects.exists()
    assert not StoreRegistration.objects.exists()
    assert not AuditEntry.objects.exists()


def test_dry_run_with_bad_rows_fails_and_writes_nothing(tmp_path, company):
    lines = ["chassis_number,car_name", "ZVW30-1000083,プリウス", "bad,プリウス"]

    message, _, _ = run_failing(write(tmp_path, "v.csv", "\n".join(lines)), "--dry-run")

    assert message.endswith("1 of 2 row(s) failed")
    assert not Vehicle.objects.exists()


# --- format detection and bad files ------------------------------------------------------


def test_format_detected_from_content_and_forced_by_option(tmp_path, company):
    json_path = write(tmp_path, "export.dat", json.dumps({"chassis_number": "ZVW30-1000083", "car_name": "プリウス"}))
    run(json_path)
    csv_path = write(tmp_path, "export.json", "chassis_number,car_name\nZVW30-1000084,アクア\n")
    run(csv_path, "--format", "csv")

    assert Vehicle.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", "", "the file is empty"),
        ("blank.json", "  \n ", "the file is empty"),
        ("broken.json", "{broken", "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        ("scalar.json", '"text"', 'expected a JSON object, a list of objects or {"vehicles": [...]}'),
        ("none.json", "[]", "the file contains no vehicles"),
        ("header-only.csv", HEADER + "\n", "the file contains no vehicles"),
        ("wrong.csv", "vin,name\nZVW30-1000083,x\n", "unknown column(s) in the header: vin, name"),
        ("nochassis.csv", "car_name,plate\nプリウス,品川 330 さ 1\n", "the header has no chassis_number (車台番号) column"),
        ("twice.csv", "chassis_number,車台番号\nA,B\n", "the header names column chassis_number twice"),
    ],
)
def test_bad_file_is_one_line_command_error(tmp_path, company, name, content, expected):
    path = write(tmp_path, name, content)

    message, _, _ = run_failing(path)

    assert message == f"{path}: {expected}"
    assert not Vehicle.objects.exists()


def test_undecodable_bytes(tmp_path, company):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x81\xff\x00\xfe")

    message, _, _ = run_failing(path)

    assert message == f"{path}: the file is neither UTF-8 nor Shift_JIS text"


def test_missing_file_and_unknown_company(tmp_path, company):
    message, _, _ = run_failing(tmp_path / "missing.csv")
    assert message.startswith(f"cannot read {tmp_path / 'missing.csv'}")

    path = write(tmp_path, "v.csv", "chassis_number,car_name\nZVW30-1000083,プリウス\n")
    message, _, _ = run_failing(path, company="nobody")
    assert message == "no dealer company with code 'nobody'"


def test_unchanged_rerun_reads_in_two_queries_and_writes_nothing(company, store):
    lines = ["chassis_number,car_name,customer_name,customer_email,store_code,plate"]
    lines += [f"ZVW30-10000{i:02d},プリウス,山田 {i},y{i}@example.jp,S001,品川 330 さ {i + 1}" for i in range(6)]
    rows = read_csv("\n".join(lines))
    assert vehicles_import(company=company, rows=rows).created == 6

    with CaptureQueriesContext(connection) as queries:
        result = vehicles_import(company=company, rows=rows)

    assert (result.unchanged, result.total) == (6, 6)
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 2  # the file's vehicles and the company's stores
    assert all(sql.startswith("SELECT") for sql in statements)


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source messages; Japanese is the default language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
