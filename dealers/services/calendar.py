"""Store settings written from the portal: hours, closing rules, exceptions, capacity.

Who may call them is the views' business (dealers.selectors.access scope: company admins any store of
their company, store staff their own store); each service validates the data with the model's
own rules (full_clean, so forms and admin agree) and writes its audit entry in the same
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealers.models import CalendarException, ClosingRule, Store, StoreHours, User
from dealers.services.audit import audit_record

Hours = tuple[dt.time, dt.time]


@transaction.atomic
def store_hours_set(*, store: Store, hours: Mapping[int, Hours | None], actor: User | None) -> None:
    """Set the usual hours per weekday (0 = Monday); None closes that weekday.

    1. validate every given weekday (opening before closing);
    2. delete the rows of weekdays now closed, upsert the others;
    3. audit the new week.
    """
    errors = {}
    for weekday, value in hours.items():
        if not 0 <= weekday <= 6:
            raise ValidationError(_("Unknown weekday."))
        if value is not None and value[0] >= value[1]:
            errors[weekday] = _("Closing time must be after opening time.")
    if errors:
        # Keyed by weekday number: Django takes any key, the stubs only field names (str).
        raise ValidationError(errors)  # type: ignore[arg-type]
    Store.objects.select_for_update().filter(pk=store.pk).first()
    closed = [weekday for weekday, value in hours.items() if value is None]
    StoreHours.objects.filter(store=store, weekday__in=closed).delete()
    for weekday, value in hours.items():
        if value is not None:
            StoreHours.objects.update_or_create(store=store, weekday=weekday, defaults={"opens_at": value[0], "closes_at": value[1]})
    week = {str(w): (f"{v[0]:%H:%M}-{v[1]:%H:%M}" if v else None) for w, v in sorted(hours.items())}
    audit_record(action="store.hours", target=store, actor=actor, company=store.company_id, hours=week)


@transaction.atomic
def store_capacity_set(
    *, store: Store, service_bays: int, slot_minutes: int, closed_on_national_holidays: bool, actor: User | None,
    day_places: int | None = None,
) -> Store:
    """Bays, slot length and cars left per day for service appointments, and the
    national-holiday setting."""
    locked = Store.objects.select_for_update().get(pk=store.pk)
    previous = {"service_bays": locked.service_bays, "slot_minutes": locked.slot_minutes,
                "day_places": locked.day_places, "closed_on_national_holidays": locked.closed_on_national_holidays}
    locked.service_bays, locked.slot_minutes = service_bays, slot_minutes
    if day_places is not None:
        locked.day_places = day_places
    locked.closed_on_national_holidays = closed_on_national_holidays
    others = [f.name for f in Store._meta.fields if f.name not in ("service_bays", "slot_minutes", "day_places")]
    locked.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    locked.save(update_fields=["service_bays", "slot_minutes", "day_places", "closed_on_national_holidays"])
    audit_record(action="store.capacity", target=locked, actor=actor, company=locked.company_id,
                 previous=previous, service_bays=service_bays, slot_minutes=slot_minutes, day_places=locked.day_places,
                 closed_on_national_holidays=closed_on_national_holidays)
    return locked


@transaction.atomic
def closing_rule_add(
    *, store: Store, weekday: int, week_of_month: str, moves_to_next_day_on_holiday: bool, actor: User | None
) -> ClosingRule:
    Store.objects.select_for_update().filter(pk=store.pk).first()  # serialises the duplicate check
    rule = ClosingRule(store=store, weekday=weekday, week_of_month=week_of_month,
                       moves_to_next_day_on_holiday=moves_to_next_day_on_holiday)
    rule.full_clean()
    rule.save()
    audit_record(action="store.closing_rule_add", target=store, actor=actor, company=store.company_id, rule=str(rule))
    return rule


@transaction.atomic
def closing_rule_delete(*, rule: ClosingRule, actor: User | None) -> None:
    store = rule.store
    description = str(rule)
    rule.delete()
    audit_record(action="store.closing_rule_delete", target=store, actor=actor, company=store.company_id, rule=description)


@transaction.atomic
def calendar_exception_add(*, store: Store, actor: User | None, **fields) -> CalendarException:
    """A closure (Golden Week, Obon, New Year) or an extra open day; the model's clean() rules
    (ordered range, at most 60 days, no overlap, hours only on open days) apply."""
    Store.objects.select_for_update().filter(pk=store.pk).first()  # serialises the overlap check
    exception = CalendarException(store=store, **fields)
    exception.full_clean()
    exception.save()
    audit_record(action="store.calendar_exception_add", target=store, actor=actor, company=store.company_id,
                 starts_on=exception.starts_on.isoformat(), ends_on=exception.ends_on.isoformat(), is_open=exception.is_open)
    return exception


@transaction.atomic
def calendar_exception_delete(*, exception: CalendarException, actor: User | None) -> None:
    store = exception.store
    data = {"starts_on": exception.starts_on.isoformat(), "ends_on": exception.ends_on.isoformat(), "is_open": exception.is_open}
    exception.delete()
    audit_record(action="store.calendar_exception_delete", target=store, actor=actor, company=store.company_id, **data)


@transaction.atomic
def calendar_exception_change(*, exception: CalendarException, actor: User | None, **fields) -> CalendarException:
    """Edit a closure or open day in place (年末年始, お盆, GW move every year): the same rules as
    adding one; audited with the dates before and after."""
    store = exception.store
    Store.objects.select_for_update().filter(pk=store.pk).first()  # serialises the overlap check
    before = {"starts_on": exception.starts_on.isoformat(), "ends_on": exception.ends_on.isoformat(), "is_open": exception.is_open}
    for name, value in fields.items():
        setattr(exception, name, value)
    exception.full_clean()
    exception.save(update_fields=[*fields])
    audit_record(action="store.calendar_exception_change", target=store, actor=actor, company=store.company_id,
                 before=before, starts_on=exception.starts_on.isoformat(), ends_on=exception.ends_on.isoformat(),
                 is_open=exception.is_open)
    return exception


def _next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def calendar_exception_next_year(exception: CalendarException) -> tuple[dt.date, dt.date]:
    """The same dates one year later (29 February becomes the 28th)."""
    return _next_year(exception.starts_on), _next_year(exception.ends_on)


@transaction.atomic
def calendar_exception_copy_to_next_year(*, exception: CalendarException, actor: User | None) -> CalendarException:
    """Last year's closure (年末年始 12/29–1/3) again, one year later, in one action: same note,
    open/closed and hours; refused like any new one if it overlaps what is already planned."""
    starts_on, ends_on = calendar_exception_next_year(exception)
    return calendar_exception_add(
        store=exception.store, actor=actor, starts_on=starts_on, ends_on=ends_on, is_open=exception.is_open,
        opens_at=exception.opens_at, closes_at=exception.closes_at, note=exception.note,
    )
