"""Read a car through an ELM327 adapter with python-obd and turn it into a telemetry reading.

What is read, and from where (only what the car says it supports):
- 12 V battery: the adapter's ATRV (pin 16 is wired to the battery, so it works with the
  ignition off, when a resting voltage says most about the battery); the ECU's control
  module voltage (PID 42) when the adapter gives none.
- odometer: PID A6 (newer cars) when the 01A0 bitmap lists it; nothing otherwise; the
  distance-since-clear PIDs are not an odometer and are not sent as one.
- MIL from PID 01 (lamp "mil"), stored DTCs (mode 03), pending DTCs (mode 07).
- the VIN from mode 09 PID 02, decoded here: python-obd's decoder strips 0/1/2 from both
  ends and truncates real VINs (domain §8).
Smart-key battery and oil level have no standard PID: reported as "unknown".

Another device on the bus (domain: seed note 4). The ELM327 only listens for answers to its
own request, so a second tester shows up as (a) answers to requests we did not make (a
different service/PID), (b) answers from an ECU that did not answer our 0100 probe at
start-up, or (c) adapter errors that mean contention: BUS BUSY, CAN ERROR, BUFFER FULL….
Every exchange is watched; a reading reports third_party_device when one reading cycle saw
at least THIRD_PARTY_THRESHOLD such signs (one alone may be noise on a marginal bus).
"""

from __future__ import annotations

import datetime as dt
import logging
import re

# pint (under python-obd) warns about unit redefinitions on import; that is not our news.
logging.getLogger("pint.util").setLevel(logging.ERROR)

import obd  # noqa: E402
from obd import OBDCommand, OBDStatus  # noqa: E402
from obd.protocols import ECU  # noqa: E402

log = logging.getLogger(__name__)

VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
DTC_RE = re.compile(r"^[PCBU][0-3][0-9A-F]{3}$")
BUS_ERRORS = ("BUS BUSY", "BUS ERROR", "CAN ERROR", "DATA ERROR", "BUFFER FULL", "FB ERROR", "RX ERROR")
THIRD_PARTY_THRESHOLD = 2
SOCKET_BAUDRATE = 38400  # python-obd probes baud rates without one, which kills a TCP peer


class CarUnavailable(Exception):
    """No adapter, or the adapter does not reach the car's ECU."""


def _decode_vin(messages) -> str | None:
    """The 17 VIN characters, whatever framing the protocol left around them (CAN: a count
    byte; older protocols: sequence numbers and NUL padding): keep only 0-9 and A-Z."""
    if not messages:
        return None
    text = "".join(chr(b) for b in bytes(messages[0].data[2:]) if 0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A)
    vin = text[-17:]
    return vin if VIN_RE.match(vin) else None


def _decode_pids_a0(messages) -> int | None:
    data = messages[0].data if messages else b""
    if len(data) < 6 or data[0] != 0x41 or data[1] != 0xA0:
        return None
    return int.from_bytes(data[2:6], "big")


def _decode_odometer(messages) -> int | None:
    data = messages[0].data if messages else b""
    if len(data) < 6 or data[0] != 0x41 or data[1] != 0xA6:
        return None
    return round(int.from_bytes(data[2:6], "big") / 10)  # 0.1 km per bit


VIN = OBDCommand("VIN_FULL", "Vehicle Identification Number", b"0902", 0, _decode_vin, ECU.ENGINE, False)
PIDS_A0 = OBDCommand("PIDS_A0", "Supported PIDs [A1-C0]", b"01A0", 0, _decode_pids_a0, ECU.ENGINE, False)
ODOMETER = OBDCommand("ODOMETER", "Odometer", b"01A6", 0, _decode_odometer, ECU.ENGINE, False)
PROBE = OBDCommand("PROBE", "Supported PIDs [01-20], every ECU", b"0100", 0, lambda messages: messages, ECU.ALL, False)


def connect(port: str, *, baudrate: int | None = None, timeout: float = 1.0) -> obd.OBD:
    """Open the adapter (a serial device or socket://host:port) and reach the car."""
    if port.startswith("socket://") and baudrate is None:
        baudrate = SOCKET_BAUDRATE
    connection = obd.OBD(portstr=port, baudrate=baudrate, fast=False, timeout=timeout)
    if connection.status() != OBDStatus.CAR_CONNECTED:
        status = connection.status()
        connection.close()
        raise CarUnavailable(f"{port}: {status}")
    return connection


def _answers(request: str, data: bytes) -> bool:
    """Is `data` the car's answer to our hex request (service + 0x40, same PID)?"""
    mode = int(request[:2], 16)
    if not data or data[0] not in (mode + 0x40, 0x7F):  # 0x7F: a negative answer to us
        return False
    if mode in (1, 2, 9) and len(request) >= 4 and data[0] != 0x7F:
        return len(data) > 1 and data[1] == int(request[2:4], 16)
    return True


class BusMonitor:
    """Watches every exchange with the adapter for signs of another tester (see module doc)."""

    def __init__(self, connection: obd.OBD):
        self.responders: set[int | None] = set()
        self.signs: list[str] = []
        interface = connection.interface
        self._send_and_parse = interface.send_and_parse
        # python-obd has no hook for raw traffic: wrap this connection's method only.
        interface.send_and_parse = self._observed

    def _observed(self, command: bytes):
        messages = self._send_and_parse(command)
        self.observe(command.decode("ascii", "replace").strip().upper(), messages or [])
        return messages

    def observe(self, request: str, messages) -> None:
        is_obd_request = bool(re.fullmatch(r"[0-9A-F]{2,}", request))
        for message in messages:
            if not message.parsed():  # a line from the adapter itself
                raw = message.raw().upper()
                if any(error in raw for error in BUS_ERRORS):
                    self.signs.append(f"{request}: {raw}")
                continue
            if not is_obd_request:
                continue
            if self.responders and message.tx_id not in self.responders:
                self.signs.append(f"{request}: answer from unknown ECU {message.tx_id}")
            elif not _answers(request, bytes(message.data)):
                self.signs.append(f"{request}: answer to another request {bytes(message.data[:2]).hex()}")

    def learn_responders(self, connection: obd.OBD) -> None:
        """The ECUs that answer a 0100 probe now are the car's; others later are not."""
        self.signs.clear()
        response = connection.query(PROBE, force=True)
        self.responders = {m.tx_id for m in (response.value or []) if m.parsed()}
        self.signs.clear()

    def take(self) -> list[str]:
        signs, self.signs = self.signs, []
        return signs


class CarReader:
    """One car behind one adapter connection (connecting costs seconds: keep it open)."""

    def __init__(self, connection: obd.OBD):
        self.connection = connection
        self.monitor = BusMonitor(connection)
        self.monitor.learn_responders(connection)
        supported = connection.query(PIDS_A0, force=True).value
        self.has_odometer = bool(supported is not None and supported & (1 << (31 - (0xA6 - 0xA1))))
        self.monitor.take()

    def _value(self, command):
        if not (self.connection.supports(command) or command in (VIN, ODOMETER)):
            return None
        return self.connection.query(command, force=True).value

    def vin(self) -> str | None:
        return self._value(VIN)

    def _voltage(self) -> float | None:
        for command in (obd.commands.ELM_VOLTAGE, obd.commands.CONTROL_MODULE_VOLTAGE):
            value = self._value(command)
            if value is not None and 0 <= value.magnitude <= 20:
                return round(float(value.magnitude), 2)
        return None

    def _codes(self, command) -> list[str]:
        return sorted({code for code, _description in (self._value(command) or []) if DTC_RE.match(code)})

    def read(self) -> dict:
        """One reading in the API's format; raises CarUnavailable if the link is gone."""
        if self.connection.status() != OBDStatus.CAR_CONNECTED:
            raise CarUnavailable(str(self.connection.status()))
        self.monitor.take()
        status = self._value(obd.commands.STATUS)
        reading = {
            "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "odometer_km": self._value(ODOMETER) if self.has_odometer else None,
            "battery_voltage": self._voltage(),
            "smart_key_battery": "unknown",
            "oil_level": "unknown",
            "lamps": ["mil"] if status is not None and status.MIL else [],
            "dtcs_stored": self._codes(obd.commands.GET_DTC),
            "dtcs_pending": self._codes(obd.commands.GET_CURRENT_DTC),
        }
        signs = self.monitor.take()
        if signs:
            log.info("bus anomalies: %s", "; ".join(signs))
        reading["third_party_device"] = len(signs) >= THIRD_PARTY_THRESHOLD
        return reading
