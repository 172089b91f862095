"""Seeded rows for the bulk tables, as lines of PostgreSQL's COPY text format.

No database access: the same Plan always yields the same lines, byte for byte (the tests
fingerprint them and compare them with what PostgreSQL stored); copy.py streams them in.
One seeded Rng (random.Random) drives everything in a fixed order, so nothing may iterate over a set or
use hash(). Values come from data.py and never contain tab, newline or backslash, which is
why the lines need no escaping. Timestamps are written in UTC as PostgreSQL prints them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from vehicles.demo import data
from vehicles.demo.people import People
from vehicles.demo.plates import ChassisSerials, PlateStreams, serial_display
from vehicles.demo.rng import Picker, Rng

# Model field names per table, in the order of the values in each line.
COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": ("id", "company", "name", "name_kana", "email", "phone", "postal_code", "prefecture", "address",
                 "language", "user", "created_at"),
    "vehicle": ("id", "company", "customer", "chassis_number", "model_code", "car_name", "plate_region",
                "plate_class", "plate_kana", "plate_serial", "plate_display", "plate_search", "vehicle_class", "use",
                "first_registration_year", "first_registration_month", "shaken_expiry", "remarks",
                "obd_inspection_target", "odometer_km", "equipment", "navi_paired", "store",
                "third_party_obd_device", "created_at", "updated_at"),
    "contract": ("vehicle", "status", "starts_on", "ends_on", "remote_maintenance", "ecare"),
    "registration": ("vehicle", "store", "registered_at", "ended_at"),
    "consent": ("customer", "category", "granted", "updated_at"),
    "consent_record": ("customer", "category", "granted", "source", "evidence", "recorded_at"),
}
TABLES = tuple(COLUMNS)  # also the load order: every row's foreign keys point to earlier tables

ONE_DAY = dt.timedelta(days=1)
T_CONNECT_LAUNCH = dt.date(2014, 8, 1)
FREE_TERM_YEARS = 5  # a contract that simply ran out ("expired") ran this long
OBD_REMARK = "OBD検査対象"
NULL = "\\N"  # COPY text format
_BUSINESS_MINUTES = tuple(f" {m // 60:02d}:{m % 60:02d}:00+00" for m in range(60, 540))


@dataclass(frozen=True)
class StoreSpec:
    id: int
    company_id: int
    company_index: int  # position in data.COMPANIES
    code: str
    area: str  # key of data.AREAS
    participates: bool


@dataclass(frozen=True)
class Plan:
    """Everything the rows depend on. stores[0] is where the demo owner's cars are registered."""

    seed: int
    vehicles: int
    as_of: dt.date  # "today" for the data: expiries and contracts are spread around it
    stores: tuple[StoreSpec, ...]
    customer_id_start: int = 1
    vehicle_id_start: int = 1
    owner_user_id: int | None = None
    owner_email: str = "owner@example.jp"


def shaken_years(vehicle_class: str, use: str) -> tuple[int, int]:
    """(first, then) validity in years (道路運送車両法 61条, domain §2)."""
    if use == "commercial" or vehicle_class in ("freight_large", "bus"):
        return 1, 1
    if use == "rental":
        return 2, 1
    return {"passenger": (3, 2), "kei_passenger": (3, 2), "kei_freight": (2, 2), "freight_small": (2, 1)}.get(
        vehicle_class, (2, 2)
    )


def period_end(start: dt.date, years: int) -> dt.date:
    """Last day of a period of `years` starting on `start` (民法143条; 29 Feb → month end)."""
    try:
        return start.replace(year=start.year + years) - ONE_DAY
    except ValueError:
        return dt.date(start.year + years, 2, 28)


def _carry(expiry: dt.date, years: int) -> dt.date:
    """Expiry after `years` of renewals inside the window: the day carries over."""
    if expiry.month == 2 and (expiry + ONE_DAY).month == 3:
        return dt.date(expiry.year + years, 3, 1) - ONE_DAY
    return expiry.replace(year=expiry.year + years)


def _b(value: bool) -> str:
    return "t" if value else "f"


def generate(plan: Plan, *, batch_vehicles: int = 20_000) -> Iterator[dict[str, list[str]]]:
    """Batches of COPY lines per table (about batch_vehicles vehicles each), never all at once."""
    return _Generator(plan).batches(batch_vehicles)


def fingerprint(plan: Plan) -> str:
    digest = hashlib.sha256()
    for batch in generate(plan):
        for table in TABLES:
            digest.update(table.encode())
            digest.update("".join(batch[table]).encode())
    return digest.hexdigest()


_Batch = dict[str, list[str]]


class _Fleet(NamedTuple):
    kind: str  # data.FLEETS: rental, taxi, business, transport
    use: str
    models: Picker[data.ModelSpec]
    least: int
    most: int


class _Generator:
    def __init__(self, plan: Plan) -> None:
        if not plan.stores:
            raise ValueError("at least one store is needed")
        self.plan = plan
        self.rng = rng = Rng(plan.seed)
        self.as_of = plan.as_of
        self.as_of_month = plan.as_of.year * 12 + plan.as_of.month - 1
        self.floor = plan.as_of - dt.timedelta(days=31)  # lapsed up to about a month ago
        self.people = People(rng)
        self.plates = PlateStreams(plan.seed, reserved=(data.DEMO_PLATE,))
        self.serials = ChassisSerials(rng, plan.vehicles)
        self.availability = {(code, eq): (rm, ecare) for code, eq, rm, ecare in data.AVAILABILITY}
        # Months each model can have been registered in; models not sold yet by as_of are left out.
        self.months = {m.code: span for m in data.MODELS if (span := self._month_range(m))}
        eligible = [m for m in data.MODELS if m.code in self.months]
        self.person_models = Picker([(m, m.weight) for m in eligible if m.weight])
        self.owner_models = Picker([(m, m.weight) for m in eligible if m.weight and m.era == "dcm"])
        fleets: list[tuple[_Fleet | None, float]] = []
        for kind, use, codes, low, high, share in data.FLEETS:
            models = [m for m in eligible if m.code in codes]
            if models:
                fleets.append((_Fleet(kind, use, Picker([(m, 1) for m in models]), low, high), share))
        self.kinds = Picker([*fleets, (None, 1 - sum(share for _, share in fleets))])  # None: a person
        self.participating: dict[int, list[StoreSpec]] = {}
        for store in plan.stores:
            if store.participates:
                self.participating.setdefault(store.company_id, []).append(store)

    def _month_range(self, model: data.ModelSpec) -> tuple[int, int] | None:
        low = max(model.start[0] * 12 + model.start[1] - 1, 2008 * 12)
        high = self.as_of_month if model.end is None else min(model.end[0] * 12 + model.end[1] - 1, self.as_of_month)
        return (low, high) if low <= high else None

    def batches(self, size: int) -> Iterator[_Batch]:
        plan, rng = self.plan, self.rng
        batch: _Batch = {table: [] for table in TABLES}
        remaining, customer_id, vehicle_id = plan.vehicles, plan.customer_id_start, plan.vehicle_id_start
        in_batch = 0
        while remaining > 0:
            if customer_id == plan.customer_id_start:
                store, fleet, count = plan.stores[0], None, min(2, remaining)
            else:
                store = rng.one(plan.stores)
                fleet = self.kinds.pick(rng)
                count = self.people.cars_per_person() if fleet is None else rng.between(fleet.least, fleet.most)
                count = min(count, remaining)
            first_dates = [self._vehicle(batch, vehicle_id + i, customer_id, store, fleet) for i in range(count)]
            self._customer(batch, customer_id, store, fleet, min(first_dates))
            customer_id += 1
            vehicle_id += count
            remaining -= count
            in_batch += count
            if in_batch >= size:
                yield batch
                batch, in_batch = {table: [] for table in TABLES}, 0
        if in_batch:
            yield batch

    def _is_owner(self, customer_id: int) -> bool:
        return customer_id == self.plan.customer_id_start

    def _customer(
        self, batch: _Batch, customer_id: int, store: StoreSpec, fleet: _Fleet | None, since: dt.date
    ) -> None:
        area = data.AREAS[store.area]
        owner = self._is_owner(customer_id)
        if owner:
            name, kana, email, language = "山田 花子", "ヤマダ ハナコ", self.plan.owner_email, "ja"
        elif fleet is None:
            name, kana, email, language = self.people.person()
        else:
            name, kana, email, language = self.people.company(fleet.kind)
        phone = self.people.phone(area.phone_area, mobile=fleet is None)
        postal, address = self.people.address(area, home=fleet is None)
        user = self.plan.owner_user_id if owner and self.plan.owner_user_id else NULL
        created = self._ts(since)
        batch["customer"].append(
            f"{customer_id}\t{store.company_id}\t{name}\t{kana}\t{email}\t{phone}\t{postal}\t{area.prefecture}\t"
            f"{address}\t{language}\t{user}\t{created}\n"
        )
        self._consents(batch, customer_id, store, since, owner=owner, fleet=fleet is not None)

    def _consents(
        self, batch: _Batch, customer_id: int, store: StoreSpec, since: dt.date, *, owner: bool, fleet: bool
    ) -> None:
        """Current consent per category plus its evidence rows (domain §5); safety needs none."""
        rng = self.rng
        for category, share in (("reminders", 0.95 if fleet else 0.88), ("marketing", 0.2 if fleet else 0.4)):
            granted = owner or rng.random() < share
            source = rng.one(data.CONSENT_SOURCES)
            if source == data.CONSENT_SOURCES[0]:  # paper form at the store
                evidence = f"同意書 {store.code}-{since.year}-{customer_id:07d}"
            elif source == data.CONSENT_SOURCES[1]:
                evidence = f"アプリ同意ログ A{customer_id:08d}"
            else:
                evidence = f"Web受付番号 W{customer_id:08d}"
            at = self._ts(since)
            # Some who refuse marketing today said yes first and later used the opt-out link.
            withdrew = not granted and category == "marketing" and rng.random() < 0.25 and since < self.as_of
            batch["consent_record"].append(
                f"{customer_id}\t{category}\t{_b(granted or withdrew)}\t{source}\t{evidence}\t{at}\n"
            )
            if withdrew:
                at = self._ts(self._between(since + ONE_DAY, self.as_of))
                batch["consent_record"].append(
                    f"{customer_id}\t{category}\tf\t{data.OPT_OUT_SOURCE}\t配信停止リンク (メール {at[:10]})\t{at}\n"
                )
            batch["consent"].append(f"{customer_id}\t{category}\t{_b(granted)}\t{at}\n")

    def _vehicle(
        self, batch: _Batch, vehicle_id: int, customer_id: int, store: StoreSpec, fleet: _Fleet | None
    ) -> dt.date:
        """Adds the vehicle with its contract and registrations; returns the date it came to us."""
        rng = self.rng
        owner = self._is_owner(customer_id)
        if fleet is None:
            model, use = (self.owner_models if owner else self.person_models).pick(rng), "private"
        else:
            model, use = fleet.models.pick(rng), fleet.use
        # The demo owner's first car is the README's example: a Prius plated 品川 330 さ 12-34.
        demo_car = owner and vehicle_id == self.plan.vehicle_id_start and data.DEMO_OWNER_MODEL in self.months
        if demo_car:
            model = next(m for m in data.MODELS if m.code == data.DEMO_OWNER_MODEL)
        registered = self._first_registration(model, rental=use == "rental")
        expiry = self._expiry(registered, *shaken_years(model.vehicle_class, use))
        region = self._plate_region(store, fleet is not None)
        kana_set: tuple[str, ...]
        if use == "rental":
            kana_set = (data.RENTAL_KANA[0],) if rng.random() < 0.8 else (data.RENTAL_KANA[1],)
        else:
            kana_set = data.COMMERCIAL_KANA if use == "commercial" else data.PRIVATE_KANA
        plate_class, kana, serial = self.plates.next(region, model.plate_group, kana_set)
        if demo_car:
            region, plate_class, kana, serial = data.DEMO_PLATE
        name = model.names[0] if len(model.names) == 1 else rng.one(model.names)
        if owner:
            equipment = "navi" if vehicle_id == self.plan.vehicle_id_start else "dcm_only"
            paired = equipment == "navi"
        else:
            equipment = self._equipment(model)
            paired = equipment == "navi" and rng.random() < 0.5
        came = registered if fleet is not None or rng.random() < 0.8 else self._between(registered, self.as_of)
        years = (self.as_of - registered).days / 365.25
        odometer = max(3, int(years * self.people.yearly_km(fleet.kind if fleet else None)))
        current_store = self._contract(batch, vehicle_id, store, model.code, equipment, came, owner=owner)
        stamp = self._ts(came)
        batch["vehicle"].append(
            f"{vehicle_id}\t{store.company_id}\t{customer_id}\t{self.serials.next(model.code)}\t{model.code}\t{name}\t"
            f"{region}\t{plate_class}\t{kana}\t{serial}\t{region} {plate_class} {kana} {serial_display(serial)}\t"
            f"{region}{plate_class}{kana}{serial}\t{model.vehicle_class}\t{use}\t{registered.year}\t"
            f"{registered.month}\t{expiry}\t{OBD_REMARK if model.obd else ''}\t{_b(model.obd)}\t{odometer}\t"
            f"{equipment}\t{_b(paired)}\t{current_store}\t{_b(equipment != 'none' and rng.random() < 0.01)}\t"
            f"{stamp}\t{stamp}\n"
        )
        return came

    def _contract(self, batch: _Batch, vehicle_id: int, store: StoreSpec, code: str, equipment: str, came: dt.date,
                  *, owner: bool) -> int | str:
        """Adds the contract and store registrations; returns the current store id or \\N."""
        if equipment == "none":
            return NULL
        rng = self.rng
        r = 0.5 if owner else rng.random()  # the demo owner has active contracts
        if r < 0.08:
            return NULL  # connected, but never signed up
        status = "active" if r < 0.88 else "cancelled" if r < 0.95 else "expired" if r < 0.99 else "suspended"
        starts = came if came >= T_CONNECT_LAUNCH else T_CONNECT_LAUNCH + dt.timedelta(days=rng.below(700))
        starts = min(starts, self.as_of)
        ends: dt.date | None = None
        if status == "expired":
            ends = period_end(starts, FREE_TERM_YEARS)
            if ends >= self.as_of:
                status, ends = "active", None
        elif status == "cancelled":
            ends = self._between(starts, self.as_of)
        rm_available, ecare_available = self.availability.get((code, equipment)) or self.availability[("*", equipment)]
        mix = 0.0 if owner else rng.random()  # both services mostly; a few signed up for one
        remote = rm_available and (mix < 0.96 or not ecare_available)
        ecare = ecare_available and not 0.90 <= mix < 0.96
        batch["contract"].append(
            f"{vehicle_id}\t{status}\t{starts}\t{ends or NULL}\t{_b(remote)}\t{_b(ecare)}\n"
        )
        if not store.participates:
            return NULL  # seed note 3: a non-participating store cannot be the remote-maintenance store
        since = self._ts(starts)
        if ends is not None:
            batch["registration"].append(f"{vehicle_id}\t{store.id}\t{since}\t{self._ts(ends)}\n")
            return NULL
        others = [s for s in self.participating.get(store.company_id, ()) if s.id != store.id]
        if others and not owner and rng.random() < 0.04 and starts < self.as_of:
            moved = self._ts(self._between(starts + ONE_DAY, self.as_of))
            before = rng.one(others)
            batch["registration"].append(f"{vehicle_id}\t{before.id}\t{since}\t{moved}\n")
            since = moved
        batch["registration"].append(f"{vehicle_id}\t{store.id}\t{since}\t{NULL}\n")
        return store.id

    def _first_registration(self, model: data.ModelSpec, *, rental: bool) -> dt.date:
        rng = self.rng
        low, high = self.months[model.code]
        if rental:  # rental companies replace their cars within about four years
            low = max(low, min(high, self.as_of_month - 47))
        year, month0 = divmod(rng.between(low, high), 12)
        day = rng.between(1, calendar.monthrange(year, month0 + 1)[1])
        if (year, month0 + 1) == (self.as_of.year, self.as_of.month):
            day = min(day, self.as_of.day)
        return dt.date(year, month0 + 1, day)

    def _expiry(self, registered: dt.date, first: int, then: int) -> dt.date:
        """Shaken expiry today: renewed inside the window (date carries over) or, sometimes, early."""
        rng, floor = self.rng, self.floor
        expiry = period_end(registered, first)
        jumps = (floor.year - expiry.year) // then - 1
        if jumps > 0:
            expiry = _carry(expiry, jumps * then)
        while expiry < floor:
            if rng.random() < 0.1:  # taken before the window opened: the period restarts that day
                expiry = period_end(expiry - dt.timedelta(days=rng.between(62, 199)), then)
            else:
                expiry = period_end(expiry + ONE_DAY, then)
        return expiry

    def _plate_region(self, store: StoreSpec, fleet: bool) -> str:
        rng, area = self.rng, data.AREAS[store.area]
        r = rng.random()
        if fleet or r < 0.85:
            return area.plate
        if r < 0.95:  # moved within the dealer's territory
            areas = data.COMPANIES[store.company_index].areas
            return data.AREAS[rng.one(areas)].plate
        return rng.one(data.FAR_PLATES)

    def _equipment(self, model: data.ModelSpec) -> str:
        if model.era == "oem":
            return "none"
        r = self.rng.random()
        if model.era == "old":
            return "navi" if r < 0.85 else "dcm_only" if r < 0.93 else "none"
        return "navi" if r < 0.47 else "dcm_only"

    def _between(self, low: dt.date, high: dt.date) -> dt.date:
        if high <= low:
            return low
        return low + dt.timedelta(days=self.rng.below((high - low).days + 1))

    def _ts(self, day: dt.date) -> str:
        """A time during Japanese business hours (10:00–18:00 JST = 01:00–09:00 UTC) that day."""
        return f"{day}{self.rng.one(_BUSINESS_MINUTES)}"
