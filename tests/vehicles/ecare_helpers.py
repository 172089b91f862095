"""Builders for the e-Care tests: a car at a store (open 10:00-18:00, closed Mondays), the
call-center desk serving its company, warnings as telemetry ingest writes them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from tests.factories import CallCenterDeskFactory, ContractFactory, CustomerFactory, StoreFactory, VehicleFactory
from vehicles.models import Vehicle, VehicleWarning

JST = ZoneInfo("Asia/Tokyo")


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=JST)


# 2026-12-01 is a Tuesday (store open 10-18), 2026-12-07 a Monday (store closed); no holidays.
TUESDAY_11 = jst(2026, 12, 1, 11)
TUESDAY_19 = jst(2026, 12, 1, 19)
MONDAY_12 = jst(2026, 12, 7, 12)


def desk_for(company, **fields):
    desk = CallCenterDeskFactory(**fields)
    desk.companies.add(company)
    return desk


def ecare_car(*, store=None, language: str = "ja", customer=True, **fields) -> Vehicle:
    store = store or StoreFactory()
    owner = CustomerFactory(company=store.company, language=language) if customer else None
    car = VehicleFactory(company=store.company, store=store, customer=owner, **fields)
    ContractFactory(vehicle=car)
    return car


def open_warning(car: Vehicle, code: str = "lamp:brake", *, severity: str = "stop_now", kind: str | None = None,
                 at: dt.datetime | None = None) -> VehicleWarning:
    if kind is None:
        kind = "lamp" if code.startswith("lamp:") else ("third_party_device" if code.startswith("device:") else "dtc")
    return VehicleWarning.objects.create(vehicle=car, code=code, kind=kind, severity=severity, opened_at=at or timezone.now())
