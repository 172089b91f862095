"""POST /api/v1/dcm/telemetry/: validation, resends, latest state, warnings, partitions."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from tests.factories import CustomerFactory, UserFactory, VehicleFactory
from vehicles.models import TelemetryBatch, TelemetryReading, VehicleState, VehicleWarning
from vehicles.services.credentials import credential_issue, credential_revoke_all

URL = "/api/v1/dcm/telemetry/"
JST = dt.timezone(dt.timedelta(hours=9))


def reading(minutes_ago: float = 1, **fields) -> dict:
    when = (timezone.now() - dt.timedelta(minutes=minutes_ago)).astimezone(JST)
    return {
        "recorded_at": when.isoformat(),
        "odometer_km": 12_345,
        "battery_voltage": 12.6,
        "smart_key_battery": "ok",
        "oil_level": "ok",
        "lamps": [],
        "dtcs_stored": [],
        "dtcs_pending": [],
        "third_party_device": False,
        **fields,
    }


_ids = iter(range(1, 10**9))


def batch(*readings: dict, message_id: str | None = None) -> dict:
    return {"message_id": message_id or f"msg-{next(_ids)}", "readings": list(readings) or [reading()]}


def dcm_client(vehicle) -> Client:
    token = credential_issue(vehicle=vehicle).token
    return Client(HTTP_AUTHORIZATION=f"Vehicle {token}")


def post(client: Client, body) -> tuple[int, dict]:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    response = client.post(URL, data=raw, content_type="application/json")
    return response.status_code, response.json()


def stored(vehicle) -> dict[str, int]:
    return {
        "readings": TelemetryReading.objects.filter(vehicle=vehicle).count(),
        "batches": TelemetryBatch.objects.filter(vehicle=vehicle).count(),
        "states": VehicleState.objects.filter(vehicle=vehicle).count(),
        "warnings": VehicleWarning.objects.filter(vehicle=vehicle).count(),
    }


NOTHING = {"readings": 0, "batches": 0, "states": 0, "warnings": 0}


@pytest.fixture
def car(db):
    return VehicleFactory()


@pytest.fixture
def client(car):
    return dcm_client(car)


# --- storing -------------------------------------------------------------------------


def test_good_batch_is_stored_with_latest_state(car, client):
    first = reading(minutes_ago=3, odometer_km=12_300, battery_voltage=12.41)
    last = reading(minutes_ago=1, odometer_km=12_310, battery_voltage=12.1, smart_key_battery="low", oil_level=64)
    code, body = post(client, {"message_id": "m-1", "vin": "SB1ZS3JE60E282102", "readings": [last, first]})

    assert code == 201
    assert body == {"message_id": "m-1", "accepted": 2, "warnings_opened": [], "warnings_closed": []}
    rows = list(TelemetryReading.objects.filter(vehicle=car).order_by("recorded_at"))
    assert [r.odometer_km for r in rows] == [12_300, 12_310]
    assert str(rows[0].battery_voltage) == "12.41"
    assert rows[1].oil_level == "unknown" and rows[1].oil_level_percent == 64
    assert rows[1].recorded_at == dt.datetime.fromisoformat(last["recorded_at"])
    assert {r.batch_id for r in rows} == {TelemetryBatch.objects.get(vehicle=car).pk}
    state = VehicleState.objects.get(vehicle=car)
    assert state.last_recorded_at == rows[1].recorded_at
    assert (state.odometer_km, str(state.battery_voltage), state.smart_key_battery) == (12_310, "12.10", "low")
    assert state.oil_level_percent == 64 and state.vin == "SB1ZS3JE60E282102"


def test_missing_measurements_keep_the_last_known_value(car, client):
    post(client, batch(reading(minutes_ago=5, odometer_km=100, battery_voltage=12.5, smart_key_battery="low")))
    bare = {"recorded_at": reading(minutes_ago=1)["recorded_at"]}
    code, _body = post(client, batch(bare))

    assert code == 201
    state = VehicleState.objects.get(vehicle=car)
    assert (state.odometer_km, str(state.battery_voltage), state.smart_key_battery) == (100, "12.50", "low")
    assert state.last_recorded_at == dt.datetime.fromisoformat(bare["recorded_at"])


def test_query_count_does_not_grow_with_the_batch(car, client, django_assert_num_queries):
    # credential, savepoint, car lock + claim (one round trip), state (+ warnings), release;
    # COPY is not counted
    with django_assert_num_queries(6):
        assert post(client, batch(reading()))[0] == 201
    with django_assert_num_queries(6):
        assert post(client, batch(*(reading(minutes_ago=i / 10) for i in range(100))))[0] == 201


# --- validation: a table of bad batches --------------------------------------------------

FUTURE = {"minutes_ago": -10}
AN_HOUR_AGO = (timezone.now() - dt.timedelta(hours=1)).isoformat()
BAD_BATCHES = [
    ("not an object", lambda: [reading()], ("non_field_errors",)),
    ("no message id", lambda: {"readings": [reading()]}, ("message_id",)),
    ("message id too long", lambda: batch(message_id="x" * 65), ("message_id",)),
    ("message id with spaces", lambda: batch(message_id="a b"), ("message_id",)),
    ("unknown top-level field", lambda: {**batch(), "speed": 3}, ("speed",)),
    ("bad vin", lambda: {**batch(), "vin": "SB1ZS3JE60E28"}, ("vin",)),
    ("no readings", lambda: {"message_id": "m", "readings": []}, ("readings",)),
    ("readings not a list", lambda: {"message_id": "m", "readings": reading()}, ("readings",)),
    ("501 readings", lambda: batch(*(reading(minutes_ago=i / 100) for i in range(501))), ("readings",)),
    ("reading not an object", lambda: batch(reading(), "x"), ("readings", "1", "non_field_errors")),
    ("unknown reading field", lambda: batch(reading(speed_kmh=3)), ("readings", "0", "speed_kmh")),
    ("no time", lambda: batch({"odometer_km": 1}), ("readings", "0", "recorded_at")),
    ("time without offset", lambda: batch(reading(recorded_at="2026-01-01T10:00:00")), ("readings", "0", "recorded_at")),
    ("time not a date", lambda: batch(reading(recorded_at="yesterday")), ("readings", "0", "recorded_at")),
    ("time as a number", lambda: batch(reading(recorded_at=1767225600)), ("readings", "0", "recorded_at")),
    ("time 10 minutes ahead", lambda: batch(reading(**FUTURE)), ("readings", "0", "recorded_at")),
    ("time older than retention", lambda: batch(reading(minutes_ago=60 * 24 * 401)), ("readings", "0", "recorded_at")),
    ("two readings at one time", lambda: batch(*[reading(recorded_at=AN_HOUR_AGO)] * 2), ("readings", "1", "recorded_at")),
    ("negative odometer", lambda: batch(reading(odometer_km=-1)), ("readings", "0", "odometer_km")),
    ("odometer as text", lambda: batch(reading(odometer_km="12345")), ("readings", "0", "odometer_km")),
    ("odometer as boolean", lambda: batch(reading(odometer_km=True)), ("readings", "0", "odometer_km")),
    ("odometer with decimals", lambda: batch(reading(odometer_km=12.5)), ("readings", "0", "odometer_km")),
    ("odometer over 2,000,000", lambda: batch(reading(odometer_km=2_000_001)), ("readings", "0", "odometer_km")),
    (
        "odometer running backwards",
        lambda: batch(reading(minutes_ago=3, odometer_km=5000), reading(minutes_ago=1, odometer_km=4000)),
        ("readings", "1", "odometer_km"),
    ),
    ("voltage above 20", lambda: batch(reading(battery_voltage=20.5)), ("readings", "0", "battery_voltage")),
    ("negative voltage", lambda: batch(reading(battery_voltage=-0.1)), ("readings", "0", "battery_voltage")),
    ("voltage as text", lambda: batch(reading(battery_voltage="12.6")), ("readings", "0", "battery_voltage")),
    ("voltage as boolean", lambda: batch(reading(battery_voltage=False)), ("readings", "0", "battery_voltage")),
    ("smart key state unknown word", lambda: batch(reading(smart_key_battery="empty")), ("readings", "0", "smart_key_battery")),
    ("oil over 100 %", lambda: batch(reading(oil_level=101)), ("readings", "0", "oil_level")),
    ("oil unknown word", lambda: batch(reading(oil_level="full")), ("readings", "0", "oil_level")),
    ("unknown lamp", lambda: batch(reading(lamps=["disco"])), ("readings", "0", "lamps")),
    ("lamps not a list", lambda: batch(reading(lamps="mil")), ("readings", "0", "lamps")),
    ("dtc list as a string", lambda: batch(reading(dtcs_stored="P0300")), ("readings", "0", "dtcs_stored")),
    ("dtc lower case", lambda: batch(reading(dtcs_stored=["p0300"])), ("readings", "0", "dtcs_stored")),
    ("dtc second digit 4", lambda: batch(reading(dtcs_stored=["P4300"])), ("readings", "0", "dtcs_stored")),
    ("dtc wrong letter", lambda: batch(reading(dtcs_stored=["X0300"])), ("readings", "0", "dtcs_stored")),
    ("pending dtc too long", lambda: batch(reading(dtcs_pending=["P03000"])), ("readings", "0", "dtcs_pending")),
    ("third party as text", lambda: batch(reading(third_party_device="yes")), ("readings", "0", "third_party_device")),
    (
        "one bad reading among good ones",
        lambda: batch(reading(minutes_ago=3), reading(minutes_ago=2, battery_voltage=99), reading(minutes_ago=1)),
        ("readings", "1", "battery_voltage"),
    ),
]


@pytest.mark.parametrize(("build", "path"), [case[1:] for case in BAD_BATCHES], ids=[case[0] for case in BAD_BATCHES])
def test_bad_batch_is_rejected_and_nothing_stored(car, client, build, path):
    code, body = post(client, build())

    assert code == 400
    node = body
    for key in path:
        assert key in node, body
        node = node[key]
    assert isinstance(node, list) and node and all(isinstance(message, str) for message in node)
    assert stored(car) == NOTHING
    car.refresh_from_db()
    assert car.third_party_obd_device is False


def test_malformed_json_is_a_400(car, client):
    code, _body = post(client, b'{"message_id": "m", "readings": [')
    assert code == 400
    assert stored(car) == NOTHING


def test_odometer_far_below_the_last_state_is_stored_as_a_replaced_meter(car, client):
    """A meter or DCM replaced: refusing the lower reading would cut the car off for good; the
    daily maintenance refresh restarts its pace and flags it (tests/vehicles/test_maintenance.py)."""
    assert post(client, batch(reading(minutes_ago=5, odometer_km=50_000)))[0] == 201

    assert post(client, batch(reading(minutes_ago=1, odometer_km=40)))[0] == 201

    assert VehicleState.objects.get(vehicle=car).odometer_km == 40
    assert post(client, batch(reading(minutes_ago=0.5, odometer_km=42)))[0] == 201


# --- who may post ----------------------------------------------------------------------


def test_only_a_live_vehicle_credential_may_post(car):
    assert Client().post(URL, data=json.dumps(batch()), content_type="application/json").status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Vehicle vdeadbeef.nope")
    assert bad.post(URL, data=json.dumps(batch()), content_type="application/json").status_code == 401
    owner = UserFactory()
    CustomerFactory(user=owner, company=car.company)
    app = Client()
    app.force_login(owner)  # an app session is not a car: only the DCM credential is accepted here
    assert app.post(URL, data=json.dumps(batch()), content_type="application/json").status_code == 401
    client = dcm_client(car)
    credential_revoke_all(vehicle=car)
    assert post(client, batch())[0] == 401
    assert stored(car) == NOTHING


# --- resends ----------------------------------------------------------------------------


def test_resend_returns_the_original_result_and_stores_nothing(car, client):
    body = batch(reading(minutes_ago=2), reading(minutes_ago=1, dtcs_stored=["P0300"]), message_id="dcm-0001")
    first = post(client, body)
    second = post(client, body)

    assert first == (201, {"message_id": "dcm-0001", "accepted": 2, "warnings_opened": ["P0300"], "warnings_closed": []})
    assert second == (200, first[1])
    assert stored(car) == {"readings": 2, "batches": 1, "states": 1, "warnings": 1}


def test_message_ids_are_per_car(car, client):
    other = VehicleFactory()
    assert post(client, batch(message_id="same"))[0] == 201
    assert post(dcm_client(other), batch(message_id="same"))[0] == 201
    assert stored(other)["readings"] == 1


# --- latest state and warnings ---------------------------------------------------------


def test_out_of_order_batches_keep_the_state_at_the_latest(car, client):
    newer = reading(minutes_ago=1, odometer_km=20_010, battery_voltage=12.7)
    older = reading(minutes_ago=30, odometer_km=20_000, battery_voltage=11.9, dtcs_stored=["P0171"], lamps=["mil"])
    assert post(client, batch(newer))[0] == 201

    code, body = post(client, batch(older))

    assert code == 201 and body["accepted"] == 1
    assert body["warnings_opened"] == [] and body["warnings_closed"] == []
    state = VehicleState.objects.get(vehicle=car)
    assert state.last_recorded_at == dt.datetime.fromisoformat(newer["recorded_at"])
    assert (state.odometer_km, str(state.battery_voltage), state.dtcs_stored) == (20_010, "12.70", [])
    assert stored(car) == {"readings": 2, "batches": 2, "states": 1, "warnings": 0}


def test_warnings_open_on_state_change_only_and_close_when_cleared(car, client):
    def send(minutes_ago, **fields):
        code, body = post(client, batch(reading(minutes_ago=minutes_ago, **fields)))
        assert code == 201
        return body["warnings_opened"], body["warnings_closed"]

    assert send(10, dtcs_stored=["P0300"]) == (["P0300"], [])
    assert send(9, dtcs_stored=["P0300"]) == ([], [])
    assert send(8, dtcs_stored=["P0300"]) == ([], [])
    assert send(7, dtcs_stored=["P0300", "P0128"], lamps=["mil", "oil_pressure"]) == (
        ["P0128", "lamp:mil", "lamp:oil_pressure"],
        [],
    )
    assert send(6, dtcs_stored=["P0128"], lamps=["mil"]) == ([], ["P0300", "lamp:oil_pressure"])
    assert send(5) == ([], ["P0128", "lamp:mil"])
    assert send(4, dtcs_stored=["P0300"]) == (["P0300"], [])  # back again: a new state change

    warnings = VehicleWarning.objects.filter(vehicle=car)
    assert warnings.count() == 5
    assert list(warnings.filter(closed_at__isnull=True).values_list("code", flat=True)) == ["P0300"]
    closed = warnings.get(code="lamp:oil_pressure")
    assert closed.closed_at >= closed.opened_at and closed.closed_batch_id is not None
    severities = {w.code: (w.kind, w.severity) for w in warnings.filter(closed_at__isnull=False)}
    assert severities["lamp:oil_pressure"] == ("lamp", "stop_now")  # from the seeded table
    assert severities["P0128"] == ("dtc", "see_dealer_soon")  # no row: the default


def test_only_the_newest_reading_of_a_batch_decides(car, client):
    body = batch(reading(minutes_ago=3, dtcs_stored=["P0300"]), reading(minutes_ago=1))
    code, result = post(client, body)

    assert code == 201 and result["warnings_opened"] == []
    assert TelemetryReading.objects.filter(vehicle=car, dtcs_stored__contains=["P0300"]).count() == 1


def test_pending_dtcs_are_kept_but_open_no_warning(car, client):
    code, body = post(client, batch(reading(dtcs_pending=["P0420"])))

    assert code == 201 and body["warnings_opened"] == []
    assert VehicleState.objects.get(vehicle=car).dtcs_pending == ["P0420"]


def test_third_party_device_sets_the_flag_and_a_warning(car, client):
    code, body = post(client, batch(reading(minutes_ago=2, third_party_device=True)))

    assert code == 201 and body["warnings_opened"] == ["device:third_party"]
    car.refresh_from_db()
    assert car.third_party_obd_device is True
    warning = VehicleWarning.objects.get(vehicle=car)
    assert (warning.kind, warning.severity) == ("third_party_device", "info")

    code, body = post(client, batch(reading(minutes_ago=1)))

    assert body["warnings_closed"] == ["device:third_party"]
    car.refresh_from_db()
    assert car.third_party_obd_device is False


def test_other_cars_warnings_are_untouched(car, client):
    other = VehicleFactory()
    post(dcm_client(other), batch(reading(dtcs_stored=["P0300"])))
    post(client, batch(reading(dtcs_stored=[])))
    assert VehicleWarning.objects.get(vehicle=other).closed_at is None


def test_the_database_allows_one_open_warning_per_code(car):
    from django.db import IntegrityError, transaction

    now = timezone.now()
    VehicleWarning.objects.create(vehicle=car, code="P0300", kind="dtc", severity="info", opened_at=now, closed_at=now)
    VehicleWarning.objects.create(vehicle=car, code="P0300", kind="dtc", severity="info", opened_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        VehicleWarning.objects.create(vehicle=car, code="P0300", kind="dtc", severity="info", opened_at=now)


# --- concurrency: real connections, real commits ----------------------------------------


def _race(*jobs) -> list:
    """Run each job in its own thread (its own database connection), released together."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=60)
            results[index] = job()
        except Exception as error:  # reported by the assertion below, with the thread's error
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [r for r in results if r is None or isinstance(r, Exception)], results
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_open_a_new_warning_only_once():
    car = VehicleFactory()
    clients = [dcm_client(car), dcm_client(car)]
    codes = ["P0300", "P0171", "P0420", "P0101", "P0500", "P0128"]
    for round_, code in enumerate(codes):
        minutes = 60 - 2 * round_
        results = _race(
            *(lambda c=c, m=m, code=code: post(c, batch(reading(minutes_ago=m, dtcs_stored=[code])))
              for c, m in zip(clients, (minutes, minutes - 1), strict=True))
        )
        assert [status for status, _body in results] == [201, 201]
        opened = [c for _status, body in results for c in body["warnings_opened"]]
        assert opened == [code], (round_, results)
    for code in codes:
        assert VehicleWarning.objects.filter(vehicle=car, code=code).count() == 1
    assert list(VehicleWarning.objects.filter(vehicle=car, closed_at__isnull=True).values_list("code", flat=True)) == ["P0128"]
    assert TelemetryReading.objects.filter(vehicle=car).count() == 2 * len(codes)


@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_store_the_batch_once():
    car = VehicleFactory()
    clients = [dcm_client(car) for _ in range(3)]
    body = batch(reading(minutes_ago=2), reading(minutes_ago=1, lamps=["brake"]), message_id="dup-1")

    results = _race(*(lambda c=c: post(c, body) for c in clients))

    assert sorted(status for status, _body in results) == [200, 200, 201]
    assert all(result[1] == results[0][1] for result in results)
    assert results[0][1]["warnings_opened"] == ["lamp:brake"]
    assert stored(car) == {"readings": 2, "batches": 1, "states": 1, "warnings": 1}


# --- partitions and retention ---------------------------------------------------------


def _month(moment: dt.datetime) -> str:
    return f"vehicles_telemetryreading_p{moment.astimezone(dt.UTC):%Y%m}"


def test_partitions_cover_retention_and_the_months_ahead(db):
    from vehicles.services.telemetry_storage import telemetry_partitions, telemetry_partitions_ensure

    now = timezone.now()
    assert telemetry_partitions_ensure(months_ahead=2) == []  # the migration made them
    existing = telemetry_partitions()
    assert _month(now - dt.timedelta(days=400)) in existing and _month(now) in existing

    later = now + dt.timedelta(days=365)
    created = telemetry_partitions_ensure(months_ahead=2, now=later)

    ahead = [later + dt.timedelta(days=31 * i) for i in range(3)]
    assert all(_month(moment) in created for moment in ahead)
    assert created == sorted(created) and telemetry_partitions_ensure(months_ahead=2, now=later) == []
    bounds = telemetry_partitions()
    assert bounds[_month(later)] == dt.datetime(later.year, later.month, 1, tzinfo=dt.UTC)


def test_purge_drops_whole_partitions_past_retention(car, client):
    from vehicles.services.telemetry import telemetry_batch_ingest
    from vehicles.services.telemetry_storage import telemetry_partitions, telemetry_partitions_ensure, telemetry_purge

    then = timezone.now() - dt.timedelta(days=500)
    telemetry_partitions_ensure(months_ahead=0, now=then)
    old = telemetry_batch_ingest(vehicle=car, data=batch(reading(dtcs_stored=["P0300"])), now=timezone.now())
    # A batch received 500 days ago (its readings then), via the service with that clock.
    old_body = batch({**reading(), "recorded_at": (then - dt.timedelta(minutes=1)).isoformat()})
    telemetry_batch_ingest(vehicle=car, data=old_body, now=then)
    TelemetryBatch.objects.filter(message_id=old.message_id).update(received_at=then)
    assert post(client, batch(reading(minutes_ago=0.5)))[0] == 201
    assert stored(car)["readings"] == 3

    result = telemetry_purge(retention_days=400)

    assert _month(then) in result.partitions_dropped
    assert _month(then) not in telemetry_partitions() and _month(timezone.now()) in telemetry_partitions()
    assert all(not name.endswith(timezone.now().strftime("%Y%m")) for name in result.partitions_dropped)
    assert result.batches_deleted == 2
    assert stored(car) == {"readings": 2, "batches": 1, "states": 1, "warnings": 1}
    assert VehicleWarning.objects.get(vehicle=car).opened_batch_id is None


def test_a_missing_partition_is_created_when_a_batch_needs_it(car, client):
    from vehicles.services.telemetry_storage import telemetry_partitions

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {_month(timezone.now())}")

    code, body = post(client, batch(reading()))

    assert code == 201 and body["accepted"] == 1
    assert _month(timezone.now()) in telemetry_partitions()
    assert stored(car)["readings"] == 1


def test_daily_task_runs_every_maintenance_step(db):
    from vehicles.models import TelemetryDay
    from vehicles.tasks import telemetry_maintain

    car = VehicleFactory()
    old, kept = timezone.localdate() - dt.timedelta(days=150), timezone.localdate() - dt.timedelta(days=3)
    TelemetryDay.objects.bulk_create([TelemetryDay(vehicle=car, day=old), TelemetryDay(vehicle=car, day=kept)])

    result = telemetry_maintain()

    assert result == {"created": [], "dropped": [], "batches_deleted": 0, "days_deleted": 1}
    assert list(TelemetryDay.objects.values_list("day", flat=True)) == [kept]


def test_dcm_authentication_follows_the_credential_rules(car):
    from datetime import timedelta

    from vehicles.api.dcm_auth import dcm_credential_authenticate
    from vehicles.models import VehicleCredential

    issued = credential_issue(vehicle=car)
    credential = dcm_credential_authenticate(issued.token)
    assert credential.pk == issued.credential.pk and credential.vehicle.pk == car.pk
    assert credential.vehicle.chassis_number == car.chassis_number
    assert credential.vehicle.car_name == car.car_name  # other fields load on access
    key_id = issued.token.split(".")[0]
    assert dcm_credential_authenticate(f"{key_id}.wrong-secret") is None
    assert dcm_credential_authenticate("no-dot") is None and dcm_credential_authenticate("x" * 200) is None
    VehicleCredential.objects.filter(pk=issued.credential.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert dcm_credential_authenticate(issued.token) is None
    rotated = credential_issue(vehicle=car)
    credential_issue(vehicle=car)  # rotation: the previous credential lives on for the grace period
    assert dcm_credential_authenticate(rotated.token) is not None
    credential_revoke_all(vehicle=car)
    assert dcm_credential_authenticate(rotated.token) is None


def test_only_json_is_accepted(car, client):
    response = client.post(URL, data="message_id=m", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert stored(car) == NOTHING


def test_selectors_read_state_open_warnings_and_a_time_window(car, client, django_assert_num_queries):
    from vehicles.selectors.telemetry import telemetry_readings, vehicle_state_get, warnings_open

    assert vehicle_state_get(vehicle=car) is None
    post(client, batch(reading(minutes_ago=90, battery_voltage=12.2), reading(minutes_ago=30, battery_voltage=12.4)))
    post(client, batch(reading(minutes_ago=10, battery_voltage=12.5, dtcs_stored=["P0300"], lamps=["abs"])))

    with django_assert_num_queries(3):
        state = vehicle_state_get(vehicle=car)
        codes = [w.code for w in warnings_open(vehicle=car)]
        window = list(telemetry_readings(vehicle=car, since=timezone.now() - dt.timedelta(hours=1)))
    assert str(state.battery_voltage) == "12.50"
    assert codes == ["P0300", "lamp:abs"]
    assert [str(r.battery_voltage) for r in window] == ["12.50", "12.40"]


@pytest.mark.parametrize("raw", [b'{"message_id": "m", "readings": [{"battery_voltage": NaN}]}', b"\xff\xfe{}", b""])
def test_non_json_bodies_are_a_400(car, client, raw):
    code, body = post(client, raw)
    assert code == 400 and body
    assert stored(car) == NOTHING


def test_a_late_batch_skips_the_state_statement(car, client, django_assert_num_queries):
    post(client, batch(reading(minutes_ago=1)))
    with django_assert_num_queries(5):  # no state statement: the batch is older than the state
        code, body = post(client, batch(reading(minutes_ago=5, dtcs_stored=["P0300"])))
    assert code == 201 and body["warnings_opened"] == []


def test_a_flag_cleared_by_hand_is_set_again_while_the_car_reports_the_device(car, client):
    post(client, batch(reading(minutes_ago=3, third_party_device=True)))
    from vehicles.models import Vehicle

    Vehicle.objects.filter(pk=car.pk).update(third_party_obd_device=False)
    code, body = post(client, batch(reading(minutes_ago=1, third_party_device=True)))

    assert code == 201 and body["warnings_opened"] == []  # the warning never closed
    assert Vehicle.objects.get(pk=car.pk).third_party_obd_device is True
