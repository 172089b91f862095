"""Run the ELM327-emulator on a loopback TCP port with a controllable car (test harness only).

Usage: python tests/vehicles/elm_launcher.py --port N --state FILE [--vin VIN]

The emulator keeps its DTCs in module-level lists and has no flag for them, and on CAN its
DTC frames lack the count byte, so python-obd misreads them (stack notes). This launcher
replaces the emulator's DTC helpers with ones that read the car's condition from a JSON
file on every request, so one running emulator (and one python-obd connection, ~4 s to
open) serves every scenario of a test module:

    {"stored": ["P0300"], "pending": [], "mil": true, "third_party": false}

"mil" defaults to "any stored DTC" (that is how an ECU commands the lamp). "third_party"
makes a second tester's traffic visible: an answer from another ECU to a PID nobody asked
for, plus the adapter's BUS BUSY line, after every mode 01 status request.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import elm.obd_message as om
from elm import interpreter

_PREFIX = {"P": 0, "C": 1, "B": 2, "U": 3}


def _encode(code: str) -> list[str]:
    """'P0300' -> ['03', '00'] (SAE J2012: the letter lives in the top two bits)."""
    value = (_PREFIX[code[0]] << 14) | int(code[1:], 16)
    return [f"{value >> 8:02X}", f"{value & 0xFF:02X}"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--vin", default="SB1ZS3JE60E282102")
    args = parser.parse_args()

    def state() -> dict:
        try:
            return json.loads(args.state.read_text())
        except FileNotFoundError:
            return {}

    lists = {"43": "stored", "47": "pending", "4A": "permanent"}

    def dtc_frames(emulator, dtc_list, sid, header=om.ECU_R_ADDR_E):
        codes = state().get(lists[sid], [])
        # The count byte after the service id is what the emulator leaves out on CAN.
        data = [sid, f"{len(codes):02X}"]
        for code in codes:
            data += _encode(code)
        return om.iso_tp_frames(data, header)

    def status_byte(emulator):
        current = state()
        count = min(len(current.get("stored", [])), 0x7F)
        mil = current.get("mil", count > 0)
        return f"{(0x80 if mil else 0) | count:02X}"

    def status_footer(emulator, cmd, pid, uc_val):
        answer = om.HD(om.ECU_R_ADDR_E) + om.SZ("06") + om.DT("41 01 " + status_byte(emulator) + " 07 A1 00")
        if state().get("third_party"):
            # Another tester asked the transmission ECU for the speed; we see its answer.
            answer += om.HD(om.ECU_R_ADDR_T) + om.SZ("03") + om.DT("41 0D 00") + om.ST("BUS BUSY")
        return answer

    om.dtc_frames = dtc_frames
    om.status_byte = status_byte
    car = om.ObdMessage["car"]
    car["STATUS"]["ResponseFooter"] = status_footer
    vin_bytes = " ".join(f"{b:02X}" for b in args.vin.encode())
    for scenario in ("default", "car"):
        if "VIN" in om.ObdMessage[scenario]:
            om.ObdMessage[scenario]["VIN"]["Response"] = om.PA("01 " + vin_bytes)
    # The scenario answers 01A6 with a mode 21 header; give it a real odometer (6,000.0 km).
    car["ODOMETER"]["Response"] = om.HD(om.ECU_R_ADDR_E) + om.SZ("06") + om.DT("41 A6 00 00 EA 60")

    sys.argv = ["elm", "-s", "car", "-n", str(args.port), "-b", str(args.state) + ".log"]
    interpreter.main()


if __name__ == "__main__":
    main()
