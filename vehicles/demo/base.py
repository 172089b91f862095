"""The small tables of the demo through the ORM: dealers, stores, calendars, the call-center
desk, demo logins with TOTP, and which services each model offers."""

from __future__ import annotations

import datetime as dt

from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password

from dealers.models import (
    CalendarException,
    CallCenterDesk,
    ClosingRule,
    DealerCompany,
    Role,
    Store,
    StoreHours,
    User,
)
from vehicles.demo import data
from vehicles.demo.generate import StoreSpec
from vehicles.demo.people import landline
from vehicles.demo.rng import Rng
from vehicles.models import ServiceAvailability

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published demo login
# Published on purpose (README): developers add it to an authenticator app, or run
# `manage.py demo_totp EMAIL`. Demo databases only.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105
OWNER_EMAIL = "owner@example.jp"
# A fixed salt keeps the demo password hash identical between runs (the password is public).
_DEMO_SALT = "tconnectdemo2026"

_MONDAY, _TUESDAY, _WEDNESDAY = 0, 1, 2


def create_stores(*, count: int, rng: Rng) -> list[StoreSpec]:
    """Companies (at most three) and `count` stores dealt round-robin; the first store of every
    company takes part in remote maintenance, about one in ten of the others does not."""
    companies = [
        DealerCompany.objects.create(
            code=spec.code, name=spec.name, postal_address=spec.postal_address, phone=spec.phone,
            complaints_contact=spec.complaints_contact,
        )
        for spec in data.COMPANIES[: min(count, len(data.COMPANIES))]
    ]
    slots = [(i % len(companies), i // len(companies)) for i in range(count)]
    others = [slot for slot in slots if slot[1] > 0]
    skipped = set(rng.sample(others, max(1, round(count / 10)))) if others else set()
    specs = []
    for company_index, position in slots:
        spec = data.COMPANIES[company_index]
        area_key = spec.areas[position % len(spec.areas)]
        area = data.AREAS[area_key]
        round_ = position // len(spec.areas)
        town, postal = area.towns[0]
        store = Store.objects.create(
            company=companies[company_index],
            code=f"{spec.store_prefix}{position + 1:02d}",
            name=area.store_name if round_ == 0 else area.store_name.replace("店", f"第{round_ + 1}店"),
            prefecture=area.prefecture,
            address=f"〒{postal} {area.prefecture}{area.city}{town}{rng.between(1, 4)}-{rng.between(1, 20)}-"
            f"{rng.between(1, 15)}",
            phone=landline(rng, area.phone_area),
            participates_in_remote_maintenance=(company_index, position) not in skipped,
            service_bays=rng.between(2, 6),
        )
        _store_calendar(store, rng)
        specs.append(StoreSpec(store.id, store.company_id, company_index, store.code, area_key,
                               store.participates_in_remote_maintenance))
    return specs


def _store_calendar(store: Store, rng: Rng) -> None:
    """9:30 or 10:00 to 18:00 every day; closed Mondays (some move to Tuesday when Monday is a
    holiday), many also the 1st Wednesday or every Tuesday but the last (domain §6)."""
    opens = dt.time(9, 30) if rng.random() < 0.5 else dt.time(10)
    StoreHours.objects.bulk_create(
        StoreHours(store=store, weekday=day, opens_at=opens, closes_at=dt.time(18)) for day in range(7)
    )
    rules = [ClosingRule(store=store, weekday=_MONDAY, moves_to_next_day_on_holiday=rng.random() < 0.3)]
    r = rng.random()
    if r < 0.5:
        rules.append(ClosingRule(store=store, weekday=_WEDNESDAY, week_of_month="1"))
    elif r < 0.65:
        rules.append(ClosingRule(store=store, weekday=_TUESDAY, week_of_month="not_last"))
    ClosingRule.objects.bulk_create(rules)


def create_holidays(*, stores: list[StoreSpec], as_of: dt.date) -> None:
    """Golden Week, summer (Obon) and New Year closures for this year and the next."""
    closures = []
    for year in (as_of.year, as_of.year + 1):
        closures += [
            (dt.date(year - 1, 12, 29), dt.date(year, 1, 3), "年末年始休業"),
            (dt.date(year, 5, 3), dt.date(year, 5, 6), "ゴールデンウィーク休業"),
            (dt.date(year, 8, 12), dt.date(year, 8, 16), "夏季休業"),
        ]
    CalendarException.objects.bulk_create(
        CalendarException(store_id=store.id, starts_on=start, ends_on=end, note=note)
        for store in stores
        for start, end, note in closures
    )


def create_availability() -> None:
    ServiceAvailability.objects.bulk_create(
        ServiceAvailability(model_code=code, equipment=equipment, remote_maintenance=rm, ecare=ecare)
        for code, equipment, rm, ecare in data.AVAILABILITY
    )


def create_logins(*, stores: list[StoreSpec]) -> dict[str, User]:
    """The demo logins (password DEMO_PASSWORD); everyone but the owner gets the demo TOTP."""
    first = stores[0]  # participating by construction (see create_stores)
    company = DealerCompany.objects.get(pk=first.company_id)
    desk = CallCenterDesk.objects.create(name="e-Careコールセンター", opens_at=dt.time(9), closes_at=dt.time(18))
    desk.companies.set(DealerCompany.objects.all())
    password = make_password(DEMO_PASSWORD, salt=_DEMO_SALT)
    users = {
        "admin": User(email="admin@tconnect.example.jp", name="プラットフォーム管理者", role=Role.PLATFORM_ADMIN,
                      is_staff=True, is_superuser=True),
        "manager": User(email=f"manager@{company.code}.example.jp", name="佐藤 健一", role=Role.COMPANY_ADMIN,
                        company=company),
        "staff": User(email=f"staff@{company.code}.example.jp", name="鈴木 美咲", role=Role.STORE_STAFF,
                      company=company, store_id=first.id),
        "callcenter": User(email="callcenter@tconnect.example.jp", name="高橋 直樹", role=Role.CALL_CENTER, desk=desk),
        "owner": User(email=OWNER_EMAIL, name="山田 花子", role=Role.OWNER),
    }
    for key, user in users.items():
        user.password = password
        user.save()
        if key != "owner":
            TOTP.activate(user, DEMO_TOTP_SECRET)
    return users
