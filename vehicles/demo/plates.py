"""Unique plates and chassis serials without remembering the ones already handed out.

Each (place, class prefix, kana set) is a stream; the n-th plate of a stream is the n-th value
of an affine permutation of its (class suffix × kana × serial) space, so plates never repeat
within a stream and look scattered. Chassis serials climb per model code by random gaps.
"""

from __future__ import annotations

import math
import zlib

from vehicles.demo.data import CLASS_SUFFIXES, MODELS
from vehicles.demo.rng import Rng

_SERIALS = 9999


def serial_display(serial: int) -> str:
    """How the number is shown on the plate: 12-34, or padded with ・ below 1000 (・・12)."""
    if serial >= 1000:
        return f"{serial // 100}-{serial % 100:02d}"
    digits = str(serial)
    return "・" * (4 - len(digits)) + digits


class PlateStreams:
    def __init__(self, seed: int, *, reserved: tuple[tuple[str, str, str, int], ...] = ()) -> None:
        self._seed = seed
        self._streams: dict[tuple[str, str, tuple[str, ...]], list] = {}
        self._reserved = set(reserved)  # handed out by name (the README's example): never drawn

    def next(self, region: str, group: str, kana_set: tuple[str, ...]) -> tuple[str, str, int]:
        """(class number, kana, serial) for the next plate of this place and kind."""
        while True:
            plate = self._draw(region, group, kana_set)
            if (region, *plate) not in self._reserved:
                return plate

    def _draw(self, region: str, group: str, kana_set: tuple[str, ...]) -> tuple[str, str, int]:
        key = (region, group, kana_set)
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = self._new_stream(key)
        suffixes, step, offset, size, counter = stream
        stream[4] = counter + 1
        p = (offset + step * counter) % size
        serial = p % _SERIALS + 1
        p //= _SERIALS
        kana = kana_set[p % len(kana_set)]
        return group + suffixes[p // len(kana_set)], kana, serial

    def _new_stream(self, key: tuple[str, str, tuple[str, ...]]) -> list:
        region, group, kana_set = key
        # Kei plates (58x / 48x) have one free digit; the others two characters, but not 8x,
        # so that 5 + "80" never meets kei 58 + "0" in the search key (which has no colour).
        if len(group) == 2:
            suffixes = tuple(str(d) for d in range(10))
        else:
            suffixes = tuple(s for s in CLASS_SUFFIXES if not (s[0] == "8" and s[1].isdigit()))
        size = len(suffixes) * len(kana_set) * _SERIALS
        # zlib.crc32, not hash(): str hashes change between processes.
        mix = zlib.crc32(f"{self._seed}|{region}|{group}|{''.join(kana_set)}".encode())
        step = int(size * 0.6180339887) + mix % 1000
        while math.gcd(step, size) != 1:
            step += 1
        return [suffixes, step, mix % size, size, 0]


class ChassisSerials:
    """Serials per model code: start near the model's first serial, climb by random gaps."""

    def __init__(self, rng: Rng, expected_vehicles: int) -> None:
        self._rng = rng
        expected = expected_vehicles // 8 + 100  # generous per-model count
        self._gap = {m.code: max(2, min(40, (9_999_999 - m.serial_start) // expected)) for m in MODELS}
        self._next = {m.code: m.serial_start + rng.between(1, 499) for m in MODELS}

    def next(self, code: str) -> str:
        serial = self._next[code]
        self._next[code] = serial + 1 + self._rng.below(self._gap[code])
        return f"{code}-{serial:07d}"
