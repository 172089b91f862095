"""Builders for the notice pipeline tests: a connected car that gets every notice by default,
and helpers to run a day and look at what it produced."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from notifications.models import Delivery, Notice
from notifications.services.daily_run import daily_run
from notifications.services.deliveries import deliveries_refresh
from tests.factories import ContractFactory, CustomerFactory, StoreFactory, VehicleFactory
from vehicles.models import ConsentCategory, CustomerConsent, Equipment, Vehicle


def consent(customer, category: str, granted: bool) -> None:
    CustomerConsent.objects.update_or_create(
        customer=customer, category=category, defaults={"granted": granted, "updated_at": timezone.now()}
    )


def connected_car(
    *,
    store=None,
    expiry: dt.date | None = dt.date(2027, 5, 31),
    registered: tuple[int, int] | None = (2024, 6),
    equipment: str = Equipment.NAVI,
    paired: bool = True,
    reminders: bool | None = True,
    email: str = "owner@example.jp",
    language: str = "ja",
    user=None,
    contract: dict | None = None,
    **vehicle,
) -> Vehicle:
    """A car that gets every notice: active contract with the service, participating store,
    owner with an e-mail address who granted reminders."""
    store = store or StoreFactory()
    customer = CustomerFactory(company=store.company, email=email, language=language, user=user)
    if reminders is not None:
        consent(customer, ConsentCategory.REMINDERS, reminders)
    car = VehicleFactory(
        company=store.company,
        customer=customer,
        store=store,
        shaken_expiry=expiry,
        first_registration_year=registered[0] if registered else None,
        first_registration_month=registered[1] if registered else None,
        equipment=equipment,
        navi_paired=paired,
        **vehicle,
    )
    ContractFactory(vehicle=car, **{"starts_on": dt.date(2015, 1, 1), **(contract or {})})
    return car


def run(day: dt.date | str):
    """A business day as the scheduler runs it: the daily run, then (its on-commit task) the
    pending-deliveries pass. Returns the run's result with the pass's as `.refreshed`."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    result = daily_run(business_date=day, queue_outbox=False)
    result.refreshed = deliveries_refresh(on=day)
    return result


def stages(car, kind: str | None = None) -> list[tuple[str, str, str]]:
    """(kind, stage, send_on) of the car's notices, in send order."""
    qs = Notice.objects.filter(vehicle=car)
    if kind:
        qs = qs.filter(kind=kind)
    return [(n.kind, n.stage, n.send_on.isoformat()) for n in qs.order_by("send_on", "id")]


def notice_set() -> set[tuple]:
    """Everything the pipeline wrote that must be identical between two ways of getting there."""
    notices = {
        (n.dedupe_key, n.kind, n.stage, n.category, n.event_date, n.send_on, n.status, n.language, n.vehicle_id)
        for n in Notice.objects.all()
    }
    deliveries = {(d.notice.dedupe_key, d.channel, d.status) for d in Delivery.objects.select_related("notice")}
    return notices | deliveries


def channels(car) -> dict[str, dict[str, str]]:
    """{stage: {channel: status}} of the car's notices."""
    result: dict[str, dict[str, str]] = {}
    for d in Delivery.objects.filter(notice__vehicle=car).select_related("notice"):
        result.setdefault(d.notice.stage, {})[d.channel] = d.status
    return result
