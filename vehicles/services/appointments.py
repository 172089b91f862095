"""Appointments: request (capacity held), confirm, propose other times, arrive, complete,
no-show, cancel, change. Every change is one conditional UPDATE plus its audit entry.

Capacity is held by rows the database polices (vehicles.models.capacity): `_claim_seats` takes a
seat of each daily pool the work needs (its quota, the day's places for a car left), then
`_claim_bay` the lowest bay that looked free for the work's whole time range, each with INSERT …
ON CONFLICT DO NOTHING. Two transactions racing for the same bay time: the second waits for the
first on the exclusion constraint and, when the first commits, inserts nothing; it then looks
again (a new statement sees the commit) and takes the next bay, or finds none. Every
transaction takes its seats and bay in the same order (pools by name, then the bay) and waits
for a bay only while holding seats of that day's pools, so waits cannot form a cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import Store, User
from dealers.parsing.dates import datetime_label
from dealers.selectors.calendar import BUSINESS_TZ, StoreCalendar, business_date
from dealers.services.audit import audit_record
from vehicles.models import Appointment, AppointmentState, BayHold, Customer, DayHold, Occupies, Vehicle, WorkType
from vehicles.models.appointments import OPEN_STATES
from vehicles.parsing.preferences import Preference
from vehicles.selectors.appointments import (
    DAY_POOL,
    Held,
    Work,
    alternatives,
    day_ends,
    no_show_due,
    slots_available,
    work_for,
    work_for_due,
)
from vehicles.selectors.capacity import BOOKING_LEAD, asked_time, candidate_slots, is_offered

__all__ = [
    "AppointmentExists",
    "BookingResult",
    "alternatives",
    "appointment_cancel",
    "appointment_change",
    "appointment_confirm",
    "appointment_mark_arrived",
    "appointment_mark_completed",
    "appointment_mark_no_show",
    "appointment_move",
    "appointment_propose",
    "appointment_request",
    "proposed_times_check",
    "slots_available",
]

MAX_PROPOSED = 3


class AppointmentExists(Exception):
    """The car already has an open appointment for this due event (change it instead)."""

    def __init__(self, appointment: Appointment):
        super().__init__(f"appointment {appointment.pk} is open for this due event")
        self.appointment = appointment


class _NoSlot(Exception):
    pass


@dataclass(frozen=True)
class BookingResult:
    appointment: Appointment | None  # None: nothing fits (see alternatives)
    created: bool
    alternatives: tuple[dt.datetime, ...] = ()


_BAY_SQL = f"""
WITH candidate AS (
    SELECT b.bay FROM generate_series(0, %(bays)s - 1) AS b(bay)
    WHERE NOT EXISTS (SELECT 1 FROM {BayHold._meta.db_table} h
                      WHERE h.store_id = %(store)s AND h.bay = b.bay AND h.during && tstzrange(%(start)s, %(end)s))
    ORDER BY b.bay LIMIT 1
), inserted AS (
    INSERT INTO {BayHold._meta.db_table} (store_id, bay, during, appointment_id)
    SELECT %(store)s, bay, tstzrange(%(start)s, %(end)s), %(appointment)s FROM candidate
    ON CONFLICT DO NOTHING
    RETURNING bay
)
SELECT (SELECT bay FROM candidate), (SELECT bay FROM inserted)
"""  # noqa: S608 - the table name comes from model metadata, values are parameters

_SEAT_SQL = f"""
WITH candidate AS (
    SELECT s.seat FROM generate_series(0, %(size)s - 1) AS s(seat)
    WHERE NOT EXISTS (SELECT 1 FROM {DayHold._meta.db_table} d
                      WHERE d.store_id = %(store)s AND d.day = %(day)s AND d.pool = %(pool)s AND d.seat = s.seat)
    ORDER BY s.seat LIMIT 1
), inserted AS (
    INSERT INTO {DayHold._meta.db_table} (store_id, day, pool, seat, appointment_id)
    SELECT %(store)s, %(day)s, %(pool)s, seat, %(appointment)s FROM candidate
    ON CONFLICT DO NOTHING
    RETURNING seat
)
SELECT (SELECT seat FROM candidate), (SELECT seat FROM inserted)
"""  # noqa: S608 - as above


def _claim(sql: str, params: dict, limit: int) -> int | None:
    """Run a claim statement until it inserts or finds nothing free. Each lost race means
    another transaction committed a hold, so this ends within limit + 1 rounds."""
    with connection.cursor() as cursor:
        for _attempt in range(limit + 1):
            cursor.execute(sql, params)
            looked_free, inserted = cursor.fetchone()
            if inserted is not None:
                return inserted
            if looked_free is None:
                return None
    return None


def _claim_bay(*, appointment_id: int, store: Store, start: dt.datetime, end: dt.datetime) -> int | None:
    params = {"bays": store.service_bays, "store": store.pk, "start": start, "end": end, "appointment": appointment_id}
    return _claim(_BAY_SQL, params, store.service_bays)


def _claim_seats(*, appointment_id: int, store: Store, day: dt.date, pools: list[tuple[str, int]]) -> bool:
    for pool, size in sorted(pools):
        params = {"size": size, "store": store.pk, "day": day, "pool": pool, "appointment": appointment_id}
        if _claim(_SEAT_SQL, params, size) is None:
            return False
    return True


def _release(appointment_id: int) -> None:
    BayHold.objects.filter(appointment_id=appointment_id).delete()
    DayHold.objects.filter(appointment_id=appointment_id).delete()


def _pools(store: Store, work: Work) -> list[tuple[str, int]]:
    pools = [(work.quota_pool, work.quota)] if work.quota_pool is not None else []
    if work.occupies == Occupies.DAY:
        pools.append((DAY_POOL, store.day_places))
    return pools


def _hold(*, appointment_id: int, store: Store, work: Work, start: dt.datetime, end: dt.datetime) -> bool:
    """Hold what the work needs at `start` (seats, then a bay for bay work); all or nothing."""
    if not _claim_seats(appointment_id=appointment_id, store=store, day=business_date(start), pools=_pools(store, work)):
        _release(appointment_id)
        return False
    if work.occupies == Occupies.BAY and _claim_bay(appointment_id=appointment_id, store=store, start=start, end=end) is None:
        _release(appointment_id)
        return False
    return True


def _check_store(vehicle: Vehicle, store: Store) -> None:
    if store.company_id != vehicle.company_id or not store.is_active:
        raise ValidationError(_("This store cannot take appointments for this car."))


def _search_from(preferred: Sequence[Preference], now: dt.datetime) -> dt.datetime:
    """Alternatives are looked for near what was asked: from the first preferred day on."""
    dated = [p.date for p in preferred if p.date is not None]
    if not dated:
        return now
    return max(now, dt.datetime.combine(dated[0], dt.time(0), BUSINESS_TZ))


def _span(work: Work, calendar: StoreCalendar, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The appointment's time: the work's duration in a bay; until closing for a car left."""
    return start, (day_ends(calendar, start) if work.occupies == Occupies.DAY else start + work.length)


def _hold_first(
    *, fields: dict, store: Store, work: Work, calendar: StoreCalendar, candidates: list[dt.datetime]
) -> Appointment:
    if not candidates:
        raise _NoSlot
    starts_at, ends_at = _span(work, calendar, candidates[0])
    appointment = Appointment.objects.create(starts_at=starts_at, ends_at=ends_at, **fields)
    for slot in candidates:
        start, end = _span(work, calendar, slot)
        if _hold(appointment_id=appointment.pk, store=store, work=work, start=start, end=end):
            if (start, end) != (appointment.starts_at, appointment.ends_at):
                appointment.starts_at, appointment.ends_at = start, end
                appointment.save(update_fields=["starts_at", "ends_at"])
            return appointment
    raise _NoSlot


def _existing(*, idempotency_key: str, vehicle: Vehicle, due_kind: str, due_event_date: dt.date | None) -> BookingResult | None:
    """One query for both guards: the same key again → its appointment; an open appointment
    for the same due event → AppointmentExists."""
    guard = Q(idempotency_key=idempotency_key)
    if due_kind and due_event_date is not None:
        guard |= Q(vehicle=vehicle, due_kind=due_kind, due_event_date=due_event_date, state__in=OPEN_STATES)
    found = list(Appointment.objects.filter(guard).select_related("store")[:2])
    for appointment in found:
        if appointment.idempotency_key == idempotency_key:
            return BookingResult(appointment, False)
    if found:
        raise AppointmentExists(found[0])
    return None


def appointment_request(
    *,
    vehicle: Vehicle,
    store: Store,
    preferred: Sequence[Preference],
    idempotency_key: str,
    customer: Customer | None = None,
    due_kind: str = "",
    due_event_date: dt.date | None = None,
    notice_id: int | None = None,
    reply_id: int | None = None,
    note: str = "",
    actor: User | None = None,
    calendar: StoreCalendar | None = None,
    work_type: WorkType | None = None,
    state: str = AppointmentState.REQUESTED,
) -> BookingResult:
    """Book the first preferred time that fits as a requested appointment (staff taking a
    phone call book it `confirmed`).

    1. the same idempotency key again → the appointment it made (created=False);
    2. an open appointment for the same due event → AppointmentExists (change it instead);
    3. the offered starts matching the preferences, in order (business calendar, slot grid or
       the exact time asked, the work's duration done by closing, at least BOOKING_LEAD
       ahead), skipping those where the work does not fit (bay time, day places, quota);
    4. hold the first start that fits (database-enforced), create the appointment and its
       audit entry, in one transaction (a savepoint inside the caller's); when an exact time
       was asked and the held slot starts later, the asked time is kept beside it;
    5. nothing fits → no appointment, up to three alternatives near the first preferred day.
    `calendar` saves its three queries when the caller has it already.
    """
    existing = _existing(idempotency_key=idempotency_key, vehicle=vehicle, due_kind=due_kind, due_event_date=due_event_date)
    if existing is not None:
        return existing
    _check_store(vehicle, store)
    now = timezone.now()
    calendar = calendar or StoreCalendar.for_store(store)
    work = work_for_due(store, work_type, vehicle_id=vehicle.pk, due_kind=due_kind, due_event_date=due_event_date)
    minutes = work.minutes if work.occupies == Occupies.BAY else store.slot_minutes
    candidates = candidate_slots(calendar, store.slot_minutes, preferred, not_before=now + BOOKING_LEAD, minutes=minutes)
    if candidates:
        held = Held(store, min(candidates), max(candidates) + work.length)
        candidates = [c for c in candidates if held.fits(c, work)]
    fields = {
        "company_id": store.company_id, "store": store, "vehicle": vehicle,
        "customer_id": customer.pk if customer else vehicle.customer_id, "state": state, "work_type": work_type,
        "due_kind": due_kind, "due_event_date": due_event_date, "notice_id": notice_id,
        "created_from_reply_id": reply_id, "idempotency_key": idempotency_key, "note": note,
    }
    if state == AppointmentState.CONFIRMED:
        fields["confirmed_at"] = now
    try:
        with transaction.atomic():
            appointment = _hold_first(fields=fields, store=store, work=work, calendar=calendar, candidates=candidates)
            asked = asked_time(preferred, appointment.starts_at, store.slot_minutes)
            if asked is not None:  # the owner is told the held time differs (issue 16)
                appointment.asked_at = asked
                appointment.save(update_fields=["asked_at"])
            audit_record(
                action="appointment.request", target=appointment, actor=actor, company=store.company_id,
                starts_at=appointment.starts_at.isoformat(), reply_id=reply_id, notice_id=notice_id,
                work=work_type.code if work_type else None, state=state,
            )
    except _NoSlot:
        found = alternatives(store, _search_from(preferred, now), calendar=calendar, now=now, work=work)
        return BookingResult(None, False, tuple(found))
    except IntegrityError:
        # A concurrent request with the same key, or for the same due event, committed first.
        existing = _existing(idempotency_key=idempotency_key, vehicle=vehicle, due_kind=due_kind, due_event_date=due_event_date)
        if existing is not None:
            return existing
        raise
    return BookingResult(appointment, True)


def _transition(
    appointment: Appointment, *, to: str, allowed_from: Sequence[str], action: str, actor: User | None,
    release: bool = False, stamp: str | None = None, extra: dict | None = None,
) -> Appointment:
    now = timezone.now()
    fields = {"state": to, "updated_at": now, **(extra or {})}
    if stamp:
        fields[stamp] = now
    if not Appointment.objects.filter(pk=appointment.pk, state__in=allowed_from).update(**fields):
        current = Appointment.objects.filter(pk=appointment.pk).values_list("state", flat=True).first()
        label = AppointmentState(current).label if current else _("gone")
        raise ValidationError(_("This appointment is %(state)s; that cannot be done now.") % {"state": label})
    if release:
        _release(appointment.pk)
    appointment.refresh_from_db()
    audit_record(action=f"appointment.{action}", target=appointment, actor=actor, company=appointment.company_id, state=to)
    return appointment


@transaction.atomic
def appointment_confirm(*, appointment: Appointment, actor: User | None = None) -> Appointment:
    """Staff confirm a requested appointment (it keeps its slot)."""
    return _transition(
        appointment, to=AppointmentState.CONFIRMED, allowed_from=[AppointmentState.REQUESTED], action="confirm",
        actor=actor, stamp="confirmed_at",
    )


def proposed_times_check(
    *, store: Store, times: Sequence[dt.datetime], work_type: WorkType | None = None
) -> list[dt.datetime]:
    """1–3 distinct future slots the store offers where the work fits; ValidationError otherwise."""
    if not 1 <= len(times) <= MAX_PROPOSED:
        raise ValidationError(_("Propose between one and three times."))
    if any(timezone.is_naive(at) for at in times):
        raise ValidationError(_("Times must include a time zone."))
    calendar = StoreCalendar.for_store(store)
    earliest = timezone.now() + BOOKING_LEAD
    work = work_for(store, work_type)
    minutes = work.minutes if work.occupies == Occupies.BAY else store.slot_minutes
    held = Held(store, min(times), max(times) + work.length)
    for at in times:
        shown = datetime_label(at)
        if not is_offered(calendar, store.slot_minutes, at, minutes) or at < earliest:
            raise ValidationError(_("%(time)s is not a slot the store offers.") % {"time": shown})
        if not held.fits(at, work):
            raise ValidationError(_("%(time)s is already fully booked.") % {"time": shown})
    return sorted(set(times))


@transaction.atomic
def appointment_propose(*, appointment: Appointment, alternatives: Sequence[dt.datetime], actor: User | None = None) -> Appointment:
    """The store declines the requested time and offers up to three others. The request ends
    (cancelled, slot freed, reason "store_proposed") and the offered times are kept on it; the
    owner picks one by replying, which books it like any request. Offered times are not held."""
    appointment = _transition(
        appointment, to=AppointmentState.CANCELLED, allowed_from=[AppointmentState.REQUESTED], action="propose",
        actor=actor, release=True, stamp="cancelled_at", extra={"cancel_reason": "store_proposed"},
    )
    times = proposed_times_check(store=appointment.store, times=alternatives, work_type=appointment.work_type)
    appointment.proposed_times = [t.astimezone(BUSINESS_TZ).isoformat() for t in times]
    appointment.save(update_fields=["proposed_times"])
    return appointment


@transaction.atomic
def appointment_mark_arrived(*, appointment: Appointment, actor: User | None = None) -> Appointment:
    return _transition(
        appointment, to=AppointmentState.ARRIVED, allowed_from=list(OPEN_STATES), action="arrive", actor=actor,
        stamp="arrived_at",
    )


@transaction.atomic
def appointment_mark_completed(*, appointment: Appointment, actor: User | None = None) -> Appointment:
    return _transition(
        appointment, to=AppointmentState.COMPLETED, allowed_from=[AppointmentState.ARRIVED], action="complete",
        actor=actor, stamp="completed_at",
    )


@transaction.atomic
def appointment_mark_no_show(*, appointment: Appointment, actor: User | None = None) -> Appointment:
    """Only once the visit's time has come; frees the slot."""
    if not no_show_due(appointment, timezone.now()):
        raise ValidationError(_("A visit can only be marked as a no-show once its time has come."))
    return _transition(
        appointment, to=AppointmentState.NO_SHOW, allowed_from=list(OPEN_STATES), action="no_show", actor=actor,
        release=True,
    )


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, actor: User | None = None, reason: str = "cancelled", by_owner: bool = False
) -> Appointment:
    """Cancel a requested or confirmed appointment; frees the slot."""
    return _transition(
        appointment, to=AppointmentState.CANCELLED, allowed_from=list(OPEN_STATES), action="cancel", actor=actor,
        release=True, stamp="cancelled_at", extra={"cancel_reason": ("owner_" if by_owner else "") + reason},
    )


class _KeepOld(Exception):
    pass


@transaction.atomic
def appointment_change(
    *, appointment: Appointment, preferred: Sequence[Preference], idempotency_key: str, reply_id: int | None = None,
    note: str = "", actor: User | None = None,
) -> BookingResult:
    """Move an open appointment to the first preferred time that fits. Old and new swap in one
    savepoint: when nothing fits, it rolls back and the old appointment stays as it was."""
    existing = Appointment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return BookingResult(existing, False)
    try:
        with transaction.atomic():
            old = appointment_cancel(appointment=appointment, actor=actor, reason="changed", by_owner=actor is None)
            result = appointment_request(
                vehicle=old.vehicle, store=old.store, preferred=preferred, idempotency_key=idempotency_key,
                customer=old.customer, due_kind=old.due_kind, due_event_date=old.due_event_date, notice_id=old.notice_id,
                reply_id=reply_id, note=note or old.note, actor=actor, work_type=old.work_type,
            )
            if result.appointment is None:
                raise _KeepOld
    except _KeepOld:
        appointment.refresh_from_db()  # the in-memory copy saw the rolled-back cancel
        store = appointment.store
        work = work_for_due(store, appointment.work_type, vehicle_id=appointment.vehicle_id, due_kind=appointment.due_kind,
                            due_event_date=appointment.due_event_date)
        found = alternatives(store, _search_from(preferred, timezone.now()), work=work)
        return BookingResult(None, False, tuple(found))
    return result


@transaction.atomic
def appointment_move(*, appointment: Appointment, starts_at: dt.datetime, actor: User | None = None) -> Appointment:
    """Staff move an open appointment to another start (the week board): the same row keeps its
    state and id (so the owner's calendar entry is updated, not duplicated); its holds are
    released and taken again at the new time in one savepoint, so a refused move (not offered,
    no bay free for the whole work) leaves everything as it was. ValidationError says why."""
    if timezone.is_naive(starts_at):
        raise ValidationError(_("Times must include a time zone."))
    locked = Appointment.objects.select_for_update(of=("self",)).select_related("store", "work_type").get(pk=appointment.pk)
    if locked.state not in OPEN_STATES:
        raise ValidationError(_("This appointment is %(state)s; that cannot be done now.") % {"state": locked.get_state_display()})
    store = locked.store
    calendar = StoreCalendar.for_store(store)
    work = work_for_due(store, locked.work_type, vehicle_id=locked.vehicle_id, due_kind=locked.due_kind,
                        due_event_date=locked.due_event_date)
    minutes = work.minutes if work.occupies == Occupies.BAY else store.slot_minutes
    local = starts_at.astimezone(BUSINESS_TZ)
    wanted = [Preference(date=local.date(), time=local.time())]
    offered = candidate_slots(calendar, store.slot_minutes, wanted, not_before=timezone.now() + BOOKING_LEAD, minutes=minutes)
    if starts_at not in offered:
        raise ValidationError(_("%(time)s is not a slot the store offers.") % {"time": datetime_label(starts_at)})
    previous = locked.starts_at
    try:
        with transaction.atomic():
            _release(locked.pk)
            start, end = _span(work, calendar, starts_at)
            if not _hold(appointment_id=locked.pk, store=store, work=work, start=start, end=end):
                raise _NoSlot
    except _NoSlot:
        raise ValidationError(_("%(time)s is already fully booked.") % {"time": datetime_label(starts_at)}) from None
    Appointment.objects.filter(pk=locked.pk).update(starts_at=start, ends_at=end, asked_at=None, updated_at=timezone.now())
    locked.refresh_from_db()
    audit_record(action="appointment.move", target=locked, actor=actor, company=locked.company_id,
                 previous=previous.isoformat(), starts_at=start.isoformat())
    return locked
