import pytest
from django.core.exceptions import ValidationError

from vehicles.parsing.chassis import (
    chassis_serial,
    is_vin,
    model_code_from_chassis,
    normalize_chassis_number,
    normalize_model_code,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ZVW30-1000083", "ZVW30-1000083"),
        ("  zvw30-1000083 ", "ZVW30-1000083"),
        ("ＺＶＷ３０－１００００８３", "ZVW30-1000083"),  # full-width
        ("ZVW30ー1000083", "ZVW30-1000083"),  # katakana prolonged mark typed as a hyphen
        ("ZVW30−1000083", "ZVW30-1000083"),  # minus sign
        ("ZVW30‐1000083", "ZVW30-1000083"),  # Unicode hyphen
        ("ZVW30 - 1000083", "ZVW30-1000083"),
        ("MXWH60-4000000", "MXWH60-4000000"),
        ("KSP210-0045025", "KSP210-0045025"),
        ("AE86-12345", "AE86-12345"),  # 5-digit serial
        ("FE82DJ-51234567", "FE82DJ-51234567"),  # 8-digit serial
        ("DAA-ZVW30-1000083", "ZVW30-1000083"),  # emissions prefix pasted with the 型式
        ("6AA-MXAA54-1234567", "MXAA54-1234567"),
        ("5BA-MXPA10-0001234", "MXPA10-0001234"),
        ("ｄａａ－ｚｖｗ３０－１０００１００", "ZVW30-1000100"),
        ("JTDKB20U093123456", "JTDKB20U093123456"),  # VIN
        ("jtdkb20u093123456", "JTDKB20U093123456"),
        ("ＷＢＡ３Ａ５Ｃ５０ＣＦ２５６９８５", "WBA3A5C50CF256985"),
    ],
)
def test_normalize_accepts(raw, expected):
    assert normalize_chassis_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        None,
        "ZVW30",  # no serial
        "ZVW30-1234",  # serial too short
        "ZVW30-123456789",  # serial too long
        "Z-1000083",  # model code too short
        "ABCDEFGHIJK-1000083",  # model code too long
        "ZVW30-10000A3",  # letter in the serial
        "ZVW30_1000083",
        "JTDKB20U09312345",  # 16 characters
        "JTDKB20U0931234567",  # 18 characters
        "JTDKB20U09312345I",  # I is never used in a VIN
        "JTDKB20O093123456",  # O
        "JTDKB20Q093123456",  # Q
        "品川330さ1234",  # a plate, not a chassis number
        "ETHURAN0001",
    ],
)
def test_normalize_rejects(raw):
    with pytest.raises(ValidationError):
        normalize_chassis_number(raw)


def test_vin_with_forbidden_letter_says_why():
    with pytest.raises(ValidationError) as exc:
        normalize_chassis_number("JTDKB20O093123456")
    assert exc.value.code == "invalid_vin"
    assert "I, O and Q" in exc.value.messages[0]


def test_invalid_message_names_the_value_and_the_expected_shape():
    with pytest.raises(ValidationError) as exc:
        normalize_chassis_number("ｘｙ")
    assert exc.value.messages == [
        "XY is not a chassis number: expected a model code, a hyphen and a serial"
        " (e.g. ZVW30-1000083) or a 17-character VIN."
    ]


@pytest.mark.parametrize(
    ("number", "model", "serial"),
    [
        ("ZVW30-1000083", "ZVW30", 1000083),
        ("DAA-ZVW30-1927847", "ZVW30", 1927847),
        ("KSP210-0045025", "KSP210", 45025),
        ("ｍｘｗｈ６０ー４０００００１", "MXWH60", 4000001),
        ("JTDKB20U093123456", None, None),
    ],
)
def test_model_code_and_serial(number, model, serial):
    assert model_code_from_chassis(number) == model
    assert chassis_serial(number) == serial


def test_model_code_of_garbage_raises():
    with pytest.raises(ValidationError):
        model_code_from_chassis("nonsense")


def test_is_vin():
    assert is_vin("JTDKB20U093123456")
    assert not is_vin("ZVW30-1000083")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6AA-MXAA54", "MXAA54"),
        ("DAA-ZVW30", "ZVW30"),
        ("ＤＡＡ－ＺＶＷ３０", "ZVW30"),
        ("E-AE86", "AE86"),
        ("ZVW30", "ZVW30"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_model_code(raw, expected):
    assert normalize_model_code(raw) == expected


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source messages; Japanese is the default language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
