import pytest
from django.core.exceptions import ValidationError

from vehicles.parsing.plate import Plate, parse_plate, plate_search_key


@pytest.mark.parametrize(
    ("raw", "region", "cls", "kana", "serial", "display"),
    [
        ("品川 330 さ 12-34", "品川", "330", "さ", 1234, "品川 330 さ 12-34"),
        ("品川330さ1234", "品川", "330", "さ", 1234, "品川 330 さ 12-34"),
        ("品川　３３０　さ　１２－３４", "品川", "330", "さ", 1234, "品川 330 さ 12-34"),
        ("品川３３０さ１２ー３４", "品川", "330", "さ", 1234, "品川 330 さ 12-34"),
        ("品川 330 さ ・・12", "品川", "330", "さ", 12, "品川 330 さ ・・12"),
        ("品川 330 さ 12", "品川", "330", "さ", 12, "品川 330 さ ・・12"),
        ("品川 330 さ ･･12", "品川", "330", "さ", 12, "品川 330 さ ・・12"),
        ("品川 330 さ ・・・1", "品川", "330", "さ", 1, "品川 330 さ ・・・1"),
        ("品川 330 さ 123", "品川", "330", "さ", 123, "品川 330 さ ・123"),
        ("品川 330 さ 9999", "品川", "330", "さ", 9999, "品川 330 さ 99-99"),
        ("品川 330 さ 1000", "品川", "330", "さ", 1000, "品川 330 さ 10-00"),
        ("多摩 500 な 1", "多摩", "500", "な", 1, "多摩 500 な ・・・1"),
        ("尾張小牧 300 あ 1-23", "尾張小牧", "300", "あ", 123, "尾張小牧 300 あ ・123"),
        ("富士山 3 も 5", "富士山", "3", "も", 5, "富士山 3 も ・・・5"),
        ("つくば 33 ら 88-88", "つくば", "33", "ら", 8888, "つくば 33 ら 88-88"),
        ("練馬 30A わ 12-34", "練馬", "30A", "わ", 1234, "練馬 30A わ 12-34"),
        ("練馬 30ａ わ 12-34", "練馬", "30A", "わ", 1234, "練馬 30A わ 12-34"),
        ("練馬 3AC れ 12-34", "練馬", "3AC", "れ", 1234, "練馬 3AC れ 12-34"),
        ("横浜 300 サ 12-34", "横浜", "300", "さ", 1234, "横浜 300 さ 12-34"),  # katakana typed
    ],
)
def test_parse_plate_accepts(raw, region, cls, kana, serial, display):
    plate = parse_plate(raw)
    assert plate == Plate(region=region, class_number=cls, kana=kana, serial=serial)
    assert plate.display == display


def test_search_key_and_flags():
    plate = parse_plate("品川 330 さ 12-34")
    assert plate.search_key == "品川330さ1234"
    assert not plate.is_rental
    assert not plate.is_commercial
    assert parse_plate("品川 300 わ 1").is_rental
    assert parse_plate("品川 300 れ 1").is_rental
    assert parse_plate("品川 100 あ 1").is_commercial
    assert parse_plate("品川 100 を 1").is_commercial
    assert not parse_plate("品川 100 を 1").is_rental


def test_plate_is_frozen():
    plate = parse_plate("品川 330 さ 12-34")
    with pytest.raises(AttributeError):
        plate.serial = 1


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("品川 330 お 12-34", "invalid_kana"),
        ("品川 330 し 12-34", "invalid_kana"),
        ("品川 330 へ 12-34", "invalid_kana"),
        ("品川 330 ん 12-34", "invalid_kana"),
        ("品川 330 が 12-34", "invalid_kana"),  # voiced kana are not used
        ("品川 330 さ 0", "invalid_serial"),
        ("品川 330 さ ・・・0", "invalid_serial"),
        ("品川 330 さ 12345", "invalid_serial"),
        ("品川 30B さ 12-34", "invalid_class"),  # B is not among A C F H K L M P X Y
        ("品川 3AZ さ 12-34", "invalid_class"),
        ("品川 A30 さ 12-34", "invalid"),  # the first position is a digit
        ("品川 3300 さ 12-34", "invalid"),  # 4-character class number
        ("330 さ 12-34", "invalid"),  # no place name
        ("相模湖畔町 330 さ 12-34", "invalid"),  # 5-character place name
        ("品川 330 12-34", "invalid"),  # no kana
        ("品川 330 さ", "invalid"),  # no serial
        ("品川 330 さ 1-2-3", "invalid"),
        ("ZVW30-1000083", "invalid"),
        ("", "invalid"),
    ],
)
def test_parse_plate_rejects(raw, code):
    with pytest.raises(ValidationError) as exc:
        parse_plate(raw)
    assert exc.value.code == code


def test_never_used_kana_message():
    with pytest.raises(ValidationError) as exc:
        parse_plate("品川 330 し 12-34")
    assert exc.value.messages == ["The kana し is never used on number plates."]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("品川 330 さ 12-34", "品川330さ1234"),
        ("品川330さ1234", "品川330さ1234"),
        ("品川　３３０　サ　１２－３４", "品川330さ1234"),
        ("12-34", "1234"),
        ("１２－３４", "1234"),
        ("・・12", "12"),
        ("品川 330", "品川330"),
        ("練馬 30a", "練馬30A"),
        ("", ""),
        (None, ""),
    ],
)
def test_plate_search_key(raw, expected):
    assert plate_search_key(raw) == expected


def test_search_key_of_parsed_plate_matches_tolerant_key_of_any_spelling():
    stored = parse_plate("品川 330 さ ・・12").search_key
    assert stored == plate_search_key("品川330さ12")
    assert plate_search_key("・・12") in stored


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source messages; Japanese is the default language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
