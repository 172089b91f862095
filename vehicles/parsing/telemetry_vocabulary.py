"""The codes a car may report (no Django imports: shared by models, validation and codes).

Lamp names are the protocol's vocabulary (domain §7); what each lamp means and what to tell
the driver is data (DiagnosticCode), so admins change advice without a deploy.
"""

from __future__ import annotations

import re

# SAE J2012 DTC: system letter, a digit 0-3, three hex digits.
DTC_RE = re.compile(r"^[PCBU][0-3][0-9A-F]{3}$")

LAMPS: frozenset[str] = frozenset(
    {
        "mil",  # engine / check engine (malfunction indicator lamp)
        "brake",
        "charging",
        "oil_pressure",
        "hybrid_system",
        "master_warning",
        "srs_airbag",
        "abs",
        "eps",
        "coolant_temp",
        "at",  # automatic transmission
    }
)

LAMP_PREFIX = "lamp:"
THIRD_PARTY_DEVICE_CODE = "device:third_party"


def lamp_code(lamp: str) -> str:
    """Warning code of a lamp: 'oil_pressure' -> 'lamp:oil_pressure'."""
    return LAMP_PREFIX + lamp


def code_kind(code: str) -> str | None:
    """'dtc', 'lamp' or 'third_party_device' for a well-formed warning code, else None."""
    if DTC_RE.match(code):
        return "dtc"
    if code.startswith(LAMP_PREFIX) and code[len(LAMP_PREFIX):] in LAMPS:
        return "lamp"
    if code == THIRD_PARTY_DEVICE_CODE:
        return "third_party_device"
    return None
