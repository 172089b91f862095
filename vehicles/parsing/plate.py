"""登録番号 / 車両番号: the number plate, e.g. ``品川 330 さ 12-34`` (domain §1).

Four parts: place name, class number (分類番号), one hiragana, serial (1–9999). The plate
changes when an owner moves, so it is displayed and searched but never used as a key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vehicles.parsing._text import nfkc, remove_spaces, unify_hyphens

# Since 2018 the lower two positions of the class number may be one of these letters.
CLASS_LETTERS = frozenset("ACFHKLMPXY")
NEVER_USED_KANA = frozenset("おしへん")
RENTAL_KANA = frozenset("われ")
COMMERCIAL_KANA = frozenset("あいうえかきくけこを")
PRIVATE_KANA = frozenset("さすせそたちつてとなにぬねのはひふほまみむめもやゆよらりるろ")
USED_KANA = RENTAL_KANA | COMMERCIAL_KANA | PRIVATE_KANA

_DOTS = "・･·.。"
_REGION = r"[\u3041-\u3096\u30A1-\u30FA\u3005\u4E00-\u9FFF]{1,4}"
_PLATE_RE = re.compile(
    rf"^(?P<region>{_REGION}?)(?P<cls>[0-9][0-9A-Z]{{0,2}})(?P<kana>[\u3041-\u3096\u30A1-\u30FA])"
    rf"(?P<serial>[{_DOTS}]*\d+|\d{{1,2}}-\d{{2}})$"
)
_STRIP_FOR_SEARCH_RE = re.compile(f"[\\s{_DOTS}\\-]")


@dataclass(frozen=True)
class Plate:
    region: str
    class_number: str
    kana: str
    serial: int

    @property
    def serial_display(self) -> str:
        """``12-34`` for four digits, otherwise padded with ・ as on the plate (``・・12``)."""
        if self.serial >= 1000:
            return f"{self.serial // 100}-{self.serial % 100:02d}"
        digits = str(self.serial)
        return "・" * (4 - len(digits)) + digits

    @property
    def display(self) -> str:
        return f"{self.region} {self.class_number} {self.kana} {self.serial_display}"

    @property
    def search_key(self) -> str:
        return plate_search_key(f"{self.region}{self.class_number}{self.kana}{self.serial}")

    @property
    def is_rental(self) -> bool:
        return self.kana in RENTAL_KANA

    @property
    def is_commercial(self) -> bool:
        return self.kana in COMMERCIAL_KANA


def _to_hiragana(char: str) -> str:
    # Katakana ァ..ヶ sit exactly 0x60 above their hiragana; ヵ/ヶ stay (place names use ヶ).
    if "\u30a1" <= char <= "\u30f4":
        return chr(ord(char) - 0x60)
    return char


def _invalid(raw: object) -> ValidationError:
    return ValidationError(
        _("%(value)s is not a number plate such as 品川 330 さ 12-34."),
        code="invalid",
        params={"value": nfkc(raw)},
    )


def _check_class_number(cls: str) -> None:
    if any(ch.isalpha() and ch not in CLASS_LETTERS for ch in cls[1:]):
        raise ValidationError(
            _("Class number %(value)s: only the letters A C F H K L M P X Y may appear in it."),
            code="invalid_class",
            params={"value": cls},
        )


def _check_kana(kana: str) -> None:
    if kana in NEVER_USED_KANA:
        raise ValidationError(
            _("The kana %(value)s is never used on number plates."),
            code="invalid_kana",
            params={"value": kana},
        )
    if kana not in USED_KANA:
        raise ValidationError(
            _("%(value)s is not a kana used on number plates."),
            code="invalid_kana",
            params={"value": kana},
        )


def _parse_serial(text: str) -> int:
    digits = text.lstrip(_DOTS).replace("-", "")
    serial = int(digits)
    if not 1 <= serial <= 9999:
        raise ValidationError(
            _("The plate number %(value)s must be between 1 and 9999."),
            code="invalid_serial",
            params={"value": text},
        )
    return serial


def parse_plate(raw: object) -> Plate:
    """Parse spaced, unspaced or full-width input (``品川330さ1234``, ``品川 330 さ ・・12``)."""
    text = unify_hyphens(remove_spaces(nfkc(raw))).upper()
    match = _PLATE_RE.match(text)
    if not match:
        raise _invalid(raw)
    cls, kana = match.group("cls"), _to_hiragana(match.group("kana"))
    _check_class_number(cls)
    _check_kana(kana)
    serial = _parse_serial(match.group("serial"))
    return Plate(region=match.group("region"), class_number=cls, kana=kana, serial=serial)


def plate_search_key(raw: object) -> str:
    """Tolerant normaliser for searching: any width or spacing, also partial input.

    ``品川 330 さ 12-34`` → ``品川330さ1234``; ``12-34`` → ``1234``; ``・・12`` → ``12``.
    Katakana becomes hiragana so ``サ`` finds ``さ``.
    """
    text = _STRIP_FOR_SEARCH_RE.sub("", unify_hyphens(nfkc(raw)).upper())
    return "".join(_to_hiragana(ch) for ch in text)
