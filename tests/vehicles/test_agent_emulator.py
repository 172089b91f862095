"""The vehicle agent end to end: ELM327-emulator (a real peer over TCP) -> python-obd ->
tconnect-dcm -> HTTP -> the real API on a live server -> database.

One emulator and one python-obd connection serve the module's scenarios (connecting costs
~4 s); the launcher (tests/vehicles/elm_launcher.py) switches the car's condition through a
state file. The console-script tests use a second emulator of their own.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import obd
import pytest

from tests.factories import VehicleFactory
from vehicles.agent.car import CarReader, connect
from vehicles.agent.spool import Spool
from vehicles.agent.upload import Uploader, batch_new, spool_flush
from vehicles.models import TelemetryBatch, TelemetryReading, Vehicle, VehicleState, VehicleWarning
from vehicles.services.credentials import credential_issue

LAUNCHER = Path(__file__).with_name("elm_launcher.py")
VIN = "SB1ZS3JE60E282102"  # python-obd's own decoder returns SB1ZS3JE60E28

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """The launcher in a subprocess on a loopback port; .set() changes the car."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.state = directory / f"car-{self.port}.json"
        self.log = Path(f"{self.state}.log")
        self.set()
        # stdin stays an open pipe: the emulator's batch mode ends at end of input.
        self.process = subprocess.Popen(
            [sys.executable, str(LAUNCHER), "--port", str(self.port), "--state", str(self.state), "--vin", VIN],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=directory,  # the emulator writes elm.log into its working directory
        )
        deadline = time.monotonic() + 20
        while "batch mode STARTED" not in (self.log.read_text() if self.log.exists() else ""):
            assert self.process.poll() is None and time.monotonic() < deadline, "the emulator did not start"
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def set(self, **car) -> None:
        temporary = self.state.with_suffix(".tmp")
        temporary.write_text(json.dumps(car))
        temporary.replace(self.state)

    def stop(self) -> None:
        self.process.kill()  # our own child; it keeps no state worth a graceful stop
        self.process.wait()
        self.process.stdin.close()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emulator = Emulator(tmp_path_factory.mktemp("elm"))
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def reader(emulator):
    connection = connect(emulator.url)
    yield CarReader(connection)
    connection.close()


@pytest.fixture
def car():
    vehicle = VehicleFactory()
    return vehicle, credential_issue(vehicle=vehicle).token


@pytest.fixture
def uploader(live_server, car):
    return Uploader(f"{live_server.url}/api/v1", car[1], backoff=0.01)


def _upload(reader: CarReader, uploader: Uploader, tmp_path: Path) -> dict:
    spool = Spool(tmp_path / "spool")
    spool.put(batch_new([reader.read()], vin=reader.vin()))
    report = spool_flush(spool, uploader)
    assert (report.sent, report.rejected, report.remaining, spool.pending()) == (1, 0, 0, [])
    return report


def test_no_dtcs_reports_a_clean_car(emulator, reader, uploader, car, tmp_path):
    emulator.set()
    reading = reader.read()

    assert reading["dtcs_stored"] == [] and reading["dtcs_pending"] == [] and reading["lamps"] == []
    assert 11 <= reading["battery_voltage"] <= 15 and reading["odometer_km"] == 6000
    assert reading["third_party_device"] is False

    report = _upload(reader, uploader, tmp_path)

    assert report.warnings_opened == []
    state = VehicleState.objects.get(vehicle=car[0])
    assert state.odometer_km == 6000 and state.dtcs_stored == [] and state.battery_voltage is not None
    assert TelemetryReading.objects.filter(vehicle=car[0]).count() == 1


def test_stored_dtcs_open_warnings_once_and_close_when_cleared(emulator, reader, uploader, car, tmp_path):
    emulator.set(stored=["P0300", "P0171"], pending=["P0420"])
    reading = reader.read()

    # Read right only because the launcher restores the count byte (stack notes).
    assert reading["dtcs_stored"] == ["P0171", "P0300"] and reading["dtcs_pending"] == ["P0420"]
    assert reading["lamps"] == ["mil"]  # the ECU lights the MIL for stored DTCs

    assert _upload(reader, uploader, tmp_path).warnings_opened == ["P0171", "P0300", "lamp:mil"]
    assert _upload(reader, uploader, tmp_path).warnings_opened == []  # same state: no new warning
    emulator.set()
    _upload(reader, uploader, tmp_path)

    warnings = VehicleWarning.objects.filter(vehicle=car[0])
    assert sorted(warnings.values_list("code", flat=True)) == ["P0171", "P0300", "lamp:mil"]
    assert not warnings.filter(closed_at__isnull=True).exists()


def test_mil_on_opens_a_lamp_warning(emulator, reader, uploader, car, tmp_path):
    emulator.set(mil=True)

    assert reader.read()["lamps"] == ["mil"]
    assert _upload(reader, uploader, tmp_path).warnings_opened == ["lamp:mil"]
    warning = VehicleWarning.objects.get(vehicle=car[0])
    assert (warning.kind, warning.severity, warning.closed_at) == ("lamp", "see_dealer_soon", None)


def test_vin_is_read_in_full(emulator, reader, uploader, car, tmp_path):
    emulator.set()

    assert reader.vin() == VIN and len(reader.vin()) == 17
    # python-obd's own decoder strips 0/1/2 from the ends: why the agent decodes it itself.
    assert reader.connection.query(obd.commands.VIN, force=True).value == bytearray(b"SB1ZS3JE60E28")
    _upload(reader, uploader, tmp_path)
    assert VehicleState.objects.get(vehicle=car[0]).vin == VIN


def test_another_device_on_the_bus_is_reported(emulator, reader, uploader, car, tmp_path):
    emulator.set(third_party=True)

    reading = reader.read()

    assert reading["third_party_device"] is True
    assert reading["lamps"] == []  # the car's own answers still decode
    assert _upload(reader, uploader, tmp_path).warnings_opened == ["device:third_party"]
    assert Vehicle.objects.get(pk=car[0].pk).third_party_obd_device is True
    emulator.set()
    assert reader.read()["third_party_device"] is False


class Forwarder:
    """A TCP relay to the live server that can be down (refusing) or up: 'the network'."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port, self.server = target, _free_port(), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def up(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def down(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _accept(self) -> None:
        server = self.server
        while True:
            try:
                client, _address = server.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        with client, socket.create_connection(self.target) as upstream:
            peers = {client: upstream, upstream: client}
            while True:
                readable, _w, _x = select.select(list(peers), [], [], 10)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)


def test_offline_batches_are_spooled_then_sent_oldest_first(emulator, reader, live_server, car, tmp_path):
    emulator.set(stored=["P0300"])
    host, port = live_server.thread.host, live_server.thread.port
    network = Forwarder((host, port))
    spool = Spool(tmp_path / "spool")
    uploader = Uploader(network.url, car[1], backoff=0.01, timeout=5)

    first = spool.put(batch_new([reader.read()], vin=reader.vin()))
    first_body = first.read_bytes()
    report = spool_flush(spool, uploader)
    assert report.offline and report.remaining == 1 and spool.pending() == [first]
    emulator.set()
    spool.put(batch_new([reader.read()]))
    assert spool_flush(spool, uploader).remaining == 2

    network.up()
    try:
        report = spool_flush(spool, uploader)
        # A resend whose answer was lost is harmless: the server answers with the original.
        status, original = uploader.send(first_body)
        assert status == 200 and original["message_id"] == json.loads(first_body)["message_id"]
        assert original["accepted"] == 1 and original["warnings_opened"] == ["P0300", "lamp:mil"]
    finally:
        network.down()

    assert (report.sent, report.remaining, report.offline, spool.pending()) == (2, 0, False, [])
    assert report.warnings_opened == ["P0300", "lamp:mil"]
    batches = TelemetryBatch.objects.filter(vehicle=car[0])
    assert batches.count() == 2 and TelemetryReading.objects.filter(vehicle=car[0]).count() == 2
    # Oldest first: the fault opened, then the newer clean reading closed it.
    assert not VehicleWarning.objects.filter(vehicle=car[0], closed_at__isnull=True).exists()
    assert VehicleWarning.objects.filter(vehicle=car[0]).count() == 2


# --- the console script, against an emulator of its own ---------------------------------


@pytest.fixture(scope="module")
def spare_emulator(tmp_path_factory):
    emulator = Emulator(tmp_path_factory.mktemp("elm-cli"))
    yield emulator
    emulator.stop()


def _dcm(*args: str, token: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("tconnect-dcm")
    env = {**os.environ, "TCONNECT_DCM_TOKEN": token}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the agent runs without Django
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120, env=env)


def test_console_script_once_reads_and_uploads(spare_emulator, live_server, car, tmp_path):
    spare_emulator.set(stored=["C0035"])
    result = _dcm("--port", spare_emulator.url, "--api", f"{live_server.url}/api/v1", "--spool", str(tmp_path), "--once",
                  token=car[1])

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["vin"] == VIN and summary["sent"] == 1 and summary["warnings_opened"] == ["C0035", "lamp:mil"]
    assert VehicleState.objects.get(vehicle=car[0]).dtcs_stored == ["C0035"]
    assert list(tmp_path.glob("*.json")) == []


def test_console_script_loop_batches_readings(spare_emulator, live_server, car, tmp_path):
    spare_emulator.set()
    result = _dcm("--port", spare_emulator.url, "--api", f"{live_server.url}/api/v1", "--spool", str(tmp_path),
                  "--interval", "0", "--batch-size", "2", "--cycles", "3", token=car[1])

    assert result.returncode == 0, result.stderr
    accepted = sorted(TelemetryBatch.objects.filter(vehicle=car[0]).values_list("accepted", flat=True))
    assert accepted == [1, 2]  # a full batch of two, and the last reading spooled at exit
    assert list(tmp_path.glob("*.json")) == []


def test_console_script_needs_a_credential(tmp_path):
    result = _dcm("--port", "socket://127.0.0.1:9", "--api", "http://127.0.0.1:9/api/v1", "--once", token="")
    assert result.returncode == 2 and "TCONNECT_DCM_TOKEN" in result.stderr
