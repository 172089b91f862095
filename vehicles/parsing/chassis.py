"""車台番号 (chassis number): the key of a vehicle (domain §1).

Japanese-market cars carry ``型式-serial`` (``ZVW30-1000083``); imports carry a 17-character
VIN (ISO 3779, no I, O or Q). Plates change; chassis numbers do not.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vehicles.parsing._text import nfkc, remove_spaces, unify_hyphens

DOMESTIC_RE = re.compile(r"^(?P<model>[A-Z0-9]{2,10})-(?P<serial>\d{5,8})$")
VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
# A full 型式 such as "DAA-ZVW30" carries an emissions prefix (DAA, 6AA, 5BA, E, GF …:
# one to three letters/digits). It is not part of the chassis number.
_PREFIXED_RE = re.compile(r"^[A-Z0-9]{1,3}-(?P<rest>[A-Z0-9]{2,10}-\d{5,8})$")
_MODEL_PREFIX_RE = re.compile(r"^[A-Z0-9]{1,3}-(?P<model>[A-Z0-9]{2,10})$")


def _clean(raw: object) -> str:
    # Chassis numbers never contain spaces, so "ZVW30 - 1000083" is a typing variant.
    return unify_hyphens(remove_spaces(nfkc(raw))).upper()


def normalize_chassis_number(raw: object) -> str:
    """Return the canonical chassis number or raise ValidationError.

    Full-width input and hyphen look-alikes (ー − ‐ －) are accepted; a pasted emissions
    prefix (``DAA-ZVW30-1000083``) is dropped.
    """
    text = _clean(raw)
    if not text:
        raise ValidationError(_("Enter a chassis number."), code="required")
    prefixed = _PREFIXED_RE.match(text)
    if prefixed:
        text = prefixed.group("rest")
    if DOMESTIC_RE.match(text) or VIN_RE.match(text):
        return text
    if len(text) == 17 and "-" not in text and re.search(r"[IOQ]", text):
        raise ValidationError(
            _("%(value)s is not a valid VIN: the letters I, O and Q are never used."),
            code="invalid_vin",
            params={"value": text},
        )
    raise ValidationError(
        _(
            "%(value)s is not a chassis number: expected a model code, a hyphen and a serial"
            " (e.g. ZVW30-1000083) or a 17-character VIN."
        ),
        code="invalid",
        params={"value": text},
    )


def is_vin(number: str) -> bool:
    return bool(VIN_RE.match(number))


def model_code_from_chassis(number: object) -> str | None:
    """The model code (型式 without emissions prefix) of a domestic number; None for a VIN.

    Raises ValidationError when ``number`` is not a chassis number at all.
    """
    match = DOMESTIC_RE.match(normalize_chassis_number(number))
    return match.group("model") if match else None


def chassis_serial(number: object) -> int | None:
    """The serial part of a domestic number (recall ranges compare it); None for a VIN."""
    match = DOMESTIC_RE.match(normalize_chassis_number(number))
    return int(match.group("serial")) if match else None


def normalize_model_code(raw: object) -> str:
    """型式 as printed on the certificate (``6AA-MXAA54``) → model code (``MXAA54``).

    Returns "" for empty input. Codes that do not look like ``[prefix-]CODE`` are returned
    cleaned but otherwise untouched: the certificate is the authority on the model code.
    """
    text = _clean(raw)
    prefixed = _MODEL_PREFIX_RE.match(text)
    return prefixed.group("model") if prefixed else text
