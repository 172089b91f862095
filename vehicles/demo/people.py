"""Names, contact details and addresses of demo customers, drawn from data.py."""

from __future__ import annotations

from vehicles.demo import data
from vehicles.demo.rng import Picker, Rng


class People:
    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        # Common surnames are much more common: a Zipf-like weight by rank.
        self.surnames = Picker([(s, 1 / (rank + 1) ** 0.6) for rank, s in enumerate(data.SURNAMES)])

    def cars_per_person(self) -> int:
        r = self.rng.random()
        return 1 if r < 0.85 else 2 if r < 0.97 else 3

    def person(self) -> tuple[str, str, str, str]:
        """(name, kana, e-mail or "", language)."""
        rng = self.rng
        if rng.random() < 0.02:
            name, kana, local = rng.one(data.FOREIGN_NAMES)
            return name, kana, f"{local}{rng.between(1, 99)}@{rng.one(data.MAIL_DOMAINS)}", "en"
        surname, surname_kana, surname_latin = self.surnames.pick(rng)
        given, given_kana, given_latin = rng.one(data.MALE_NAMES if rng.random() < 0.55 else data.FEMALE_NAMES)
        email = ""
        if rng.random() < 0.9:
            pattern = rng.below(4)
            local = (
                f"{given_latin}.{surname_latin}", f"{surname_latin}.{given_latin}",
                f"{given_latin[0]}-{surname_latin}", f"{given_latin}{surname_latin[:3]}",
            )[pattern]
            if rng.random() < 0.6:
                local += str(rng.between(1, 9999))
            email = f"{local}@{rng.one(data.MAIL_DOMAINS)}"
        return f"{surname} {given}", f"{surname_kana} {given_kana}", email, "ja"

    def company(self, kind: str) -> tuple[str, str, str, str]:
        rng = self.rng
        prefix, prefix_kana, prefix_latin = rng.one(data.FLEET_PREFIXES)
        name, kana, local = rng.one(data.FLEET_NAMES[kind])
        local = local.format(r=prefix_latin)
        return name.format(p=prefix), kana.format(k=prefix_kana), f"info@{local}.example.jp", "ja"

    def phone(self, area_code: str, *, mobile: bool) -> str:
        rng = self.rng
        if mobile and rng.random() < 0.75:
            return f"{rng.one(data.MOBILE_PREFIXES)}-{rng.between(1000, 9999)}-{rng.below(10_000):04d}"
        return landline(rng, area_code)

    def address(self, area: data.Area, *, home: bool) -> tuple[str, str]:
        """(postal code, address below the prefecture); homes are sometimes flats."""
        rng = self.rng
        town, postal = rng.one(area.towns)
        address = f"{area.city}{town}{rng.between(1, 5)}-{rng.between(1, 30)}-{rng.between(1, 25)}"
        if home and rng.random() < 0.35:
            address += f" {rng.one(data.BUILDINGS)}{rng.between(1, 8)}{rng.between(1, 12):02d}"
        return postal, address

    def yearly_km(self, fleet_kind: str | None) -> float:
        mean, spread, least = {
            None: (8_500, 3_500, 1_500), "rental": (22_000, 6_000, 8_000), "taxi": (70_000, 15_000, 30_000),
            "business": (15_000, 5_000, 5_000), "transport": (40_000, 10_000, 15_000),
        }[fleet_kind]
        return max(least, self.rng.gauss(mean, spread))


def landline(rng: Rng, area_code: str) -> str:
    """A 10-digit fixed-line number: 市外局番-市内局番-加入者番号 (03-1234-5678, 0466-12-3456)."""
    local_digits = 10 - len(area_code) - 4
    local = rng.between(2 * 10 ** (local_digits - 1), 10**local_digits - 1)
    return f"{area_code}-{local}-{rng.below(10_000):04d}"
