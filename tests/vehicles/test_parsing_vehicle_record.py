import datetime as dt

import pytest

from vehicles.models import Equipment, VehicleClass, VehicleUse
from vehicles.parsing.vehicle_file import EraParts, SourceRow, detect_format, read_csv, read_json
from vehicles.parsing.vehicle_record import clean_row


def clean(**values):
    return clean_row(SourceRow(where="line 2", values={"chassis_number": "ZVW30-1000083", **values}, hints={}))


@pytest.mark.parametrize(
    ("column", "raw", "field", "expected"),
    [
        ("vehicle_class", "kei_freight", "vehicle_class", VehicleClass.KEI_FREIGHT),
        ("vehicle_class", "軽乗用", "vehicle_class", VehicleClass.KEI_PASSENGER),
        ("vehicle_class", " Freight_Large ", "vehicle_class", VehicleClass.FREIGHT_LARGE),
        ("vehicle_class", "乗合", "vehicle_class", VehicleClass.BUS),
        ("use", "事業用", "use", VehicleUse.COMMERCIAL),
        ("use", "RENTAL", "use", VehicleUse.RENTAL),
        ("equipment", "DCM", "equipment", Equipment.DCM_ONLY),
        ("equipment", "なし", "equipment", Equipment.NONE),
        ("navi_paired", "はい", "navi_paired", True),
        ("navi_paired", "0", "navi_paired", False),
        ("navi_paired", False, "navi_paired", False),
        ("odometer_km", "１２，３４５ｋｍ", "odometer_km", 12345),
        ("odometer_km", 0, "odometer_km", 0),
        ("shaken_expiry", "Ｒ８．５．３１", "shaken_expiry", dt.date(2026, 5, 31)),
        ("shaken_expiry", EraParts("令和", " 8", " 5", "31"), "shaken_expiry", dt.date(2026, 5, 31)),
        ("shaken_expiry", EraParts("", "2026", "5", "31"), "shaken_expiry", dt.date(2026, 5, 31)),
        ("first_registration", EraParts("4", "30", "4"), "first_registration_month", 4),
        ("model_code", "６ＡＡ－ＭＸＡＡ５４", "model_code", "MXAA54"),
        ("remarks", "ＯＢＤ検査対象　他", "obd_inspection_target", True),
        ("remarks", "なし", "obd_inspection_target", False),
    ],
)
def test_clean_row_values(column, raw, field, expected):
    record = clean(**{column: raw})
    assert record.errors == []
    assert record.values[field] == expected


@pytest.mark.parametrize(
    ("column", "raw"),
    [
        ("vehicle_class", "tank"),
        ("use", "borrowed"),
        ("equipment", "radio"),
        ("navi_paired", "maybe"),
        ("odometer_km", "-5"),
        ("odometer_km", "12.5"),
        ("shaken_expiry", "soon"),
        ("shaken_expiry", EraParts("令和", "8", "2", "30")),
        ("first_registration", "2022"),
        ("plate", "品川 330 し 1"),
        ("car_name", {"nested": "object"}),
    ],
)
def test_clean_row_errors_name_the_column(column, raw):
    record = clean(**{column: raw})
    assert [col for col, _ in record.errors] == [column]


def test_blank_cells_are_not_values():
    record = clean(car_name="  ", shaken_expiry="", odometer_km=None)
    assert record.errors == []
    assert record.values == {}


def test_missing_chassis_number():
    record = clean_row(SourceRow(where="[0]", values={"car_name": "プリウス"}, hints={}))
    assert record.errors == [("chassis_number", "Enter a chassis number.")]


def test_customer_columns_become_customer_fields():
    record = clean(customer_name="山田 太郎", customer_email="taro@example.jp", customer_phone="", customer_name_kana=None)
    assert record.customer == {"name": "山田 太郎", "email": "taro@example.jp"}


def test_csv_rows_carry_physical_line_numbers():
    text = 'chassis_number,remarks\r\n\r\nZVW30-1000083,"a\r\nb"\r\nZVW30-1000084,c\r\n'
    rows = read_csv(text)
    assert [(row.where, row.values["remarks"]) for row in rows] == [("line 3", "a\r\nb"), ("line 5", "c")]


def test_csv_extra_cells_are_a_row_problem():
    rows = read_csv("chassis_number\nZVW30-1000083,extra\nZVW30-1000084,\n")
    assert rows[0].problem == "has 2 cells but the header has 1 columns"
    assert rows[1].problem == ""


def test_json_certificate_keys_and_hints():
    text = '{"CertInfo": {"CarNo": "ZVW30-1000083", "Use": "貨物", "use": "rental", "RegistCarLightCar": "02"}}'
    (row,) = read_json(text)
    assert row.values == {"chassis_number": "ZVW30-1000083", "use": "rental"}
    assert row.hints == {"Use": "貨物", "RegistCarLightCar": "02"}
    assert clean_row(row).values["vehicle_class"] == VehicleClass.KEI_FREIGHT


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [("a.json", "x", "json"), ("a.CSV", "{", "csv"), ("a.txt", "[", "csv"), ("a", " [{}]", "json"), ("a", "x,y", "csv")],
)
def test_detect_format(name, text, expected):
    assert detect_format(name, text) == expected


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source messages; Japanese is the default language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
