"""What codes mean: the admin-edited table first, python-obd's descriptions for standard codes."""

import pytest
from django.core.exceptions import ValidationError

from vehicles.models import DiagnosticCode
from vehicles.selectors.telemetry import diagnostic_code_describe, diagnostic_codes_describe

pytestmark = pytest.mark.django_db


def test_seeded_lamps_follow_the_maintenance_guidance():
    stop_now = set(DiagnosticCode.objects.filter(kind="lamp", severity="stop_now").values_list("code", flat=True))
    assert {"lamp:charging", "lamp:oil_pressure", "lamp:brake"} <= stop_now
    oil = diagnostic_code_describe("lamp:oil_pressure", language="ja")
    assert oil.description == "油圧警告灯" and "エンジンを止め" in oil.advice
    assert "switch the engine off" in diagnostic_code_describe("lamp:oil_pressure", language="en").advice


def test_standard_codes_without_a_row_use_python_obd(django_assert_num_queries):
    with django_assert_num_queries(1):
        found = diagnostic_codes_describe(["P0128", "U0100", "B1234", "nonsense"], language="en")
    assert found["P0128"].description.startswith("Coolant Thermostat")
    assert found["P0128"].severity == "see_dealer_soon" and found["P0128"].kind == "dtc"
    assert "ECM/PCM" in found["U0100"].description
    # python-obd has no B/C codes: without a row the code is shown as unknown.
    assert found["B1234"].description == "Unknown code B1234"
    assert "nonsense" not in found


def test_the_table_wins_over_python_obd_and_admin_edits_show():
    DiagnosticCode.objects.filter(code="P0300").update(description_en="Misfire (edited)", severity="stop_now")
    info = diagnostic_code_describe("P0300", language="en")
    assert (info.description, info.severity) == ("Misfire (edited)", "stop_now")
    assert diagnostic_code_describe("C0035", language="ja").description == "左前輪車輪速センサー回路"


@pytest.mark.parametrize(
    ("code", "kind", "field"),
    [("P9300", "dtc", "code"), ("lamp:disco", "lamp", "code"), ("lamp:mil", "dtc", "kind"), ("B1000", "lamp", "kind")],
)
def test_admin_rows_must_be_well_formed(code, kind, field):
    with pytest.raises(ValidationError) as error:
        DiagnosticCode(code=code, kind=kind, severity="info").full_clean()
    assert field in error.value.message_dict


def test_a_new_manufacturer_code_row_is_accepted():
    row = DiagnosticCode(code="B1000", kind="dtc", severity="see_dealer_soon", description_en="Airbag ECU (maker)")
    row.full_clean()
    row.save()
    assert diagnostic_code_describe("B1000", language="en").description == "Airbag ECU (maker)"


def test_codes_without_a_row_are_explained_in_the_language_asked_for():
    assert diagnostic_code_describe("B1234", language="ja").description == "不明なコード B1234"
    assert diagnostic_code_describe("B1234", language="en").advice == "Have the car checked at your dealer."
