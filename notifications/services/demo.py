"""A lively demo (issue 12 point 12, issue 16 point 14): on a fresh `make run` every demo login
has something to act on at once, instead of empty screens until the next morning's run.

Runs at the end of `seed_demo` (vehicles.demo.seed calls its subscribers inside the seeding
transaction), through the real services wherever one exists, so the rows are the ones the
product itself would make:
- the demo owner (owner@example.jp): a periodic-inspection notice in the app inbox, a reply to
  it that booked a visit the store then confirmed (the confirmation is in the inbox too), and a
  warning from the second car with its warning notice and follow-up;
- the demo staff member's store (the first store, where the owner's cars are registered):
  a reply that is waiting for the store to confirm (a pending booking), a question from an owner
  (an inquiry to answer), and a stop-now warning whose follow-up is due;
- the company admin sees all of it (the store is the company's); the call-center agent has the
  follow-up of a warning that came in last night, when only the desk was about to open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from dealers.models import Store
from dealers.selectors.calendar import BUSINESS_TZ, StoreCalendar, business_date
from notifications.models import Notice, NoticeKind, Reply
from notifications.parsing.intent import reply_intent
from notifications.parsing.when import parse_when
from notifications.services.appointment_notices import appointment_confirm_notify
from notifications.services.deliveries import deliveries_create, inbox_deliver_due
from notifications.services.owner_notices import store_facts, vehicle_facts
from notifications.services.replies import reply_process, reply_receive
from notifications.services.warning_notices import warning_notice_create
from vehicles.models import Appointment, ConsentCategory, CustomerConsent, Vehicle, VehicleWarning
from vehicles.selectors.appointments import slots_available
from vehicles.services.contracts import ECARE, vehicles_with_service

# How far ahead the demo owner's visit is booked: the first open day from this many days on.
VISIT_FROM_DAYS = 2
QUESTION = "代車はありますか？点検のあいだ使えると助かります。"


@dataclass
class DemoActivity:
    notices: list[Notice] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    warnings: list[VehicleWarning] = field(default_factory=list)
    visit: Appointment | None = None


def _inspection_notice(car: Vehicle, store: Store, today: dt.date) -> Notice:
    """The periodic-inspection notice of next month, as the daily run writes it, delivered to the
    car's inboxes (app; navi when paired)."""
    month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    registered = (car.first_registration_year or month.year - 1) * 12 + (car.first_registration_month or month.month) - 1
    notice = Notice.objects.create(
        company_id=car.company_id, vehicle=car, customer=car.customer, kind=NoticeKind.PERIODIC, stage="pre",
        category=ConsentCategory.REMINDERS, event_date=month, send_on=today, dedupe_key=f"demo:periodic:{car.pk}",
        language=car.customer.language if car.customer else "ja",
        context={"inspection_month": month.isoformat(), "months_since_registration": max(12, (month.year * 12 + month.month - 1) - registered),
                 **vehicle_facts(car), **store_facts(store)},
    )
    deliveries_create(send_after=today - dt.timedelta(days=1), send_on=today, kind=NoticeKind.PERIODIC, now=timezone.now())
    inbox_deliver_due(now=timezone.now())
    notice.refresh_from_db()
    return notice


def _reply(notice: Notice, text: str) -> Reply:
    """The owner's reply from the app, processed at once (its queued task then finds it done)."""
    today = business_date()
    preferred = parse_when(text, today=today)
    reply, _created = reply_receive(
        notice=notice, channel="app", intent=reply_intent(text, has_dates=bool(preferred)), preferred=preferred,
        text=text, message_id=f"demo:{notice.pk}", sender_user=notice.customer.user if notice.customer else None,
    )
    return reply_process(reply_id=reply.pk) or reply


def _visit_slots(store: Store, calendar: StoreCalendar, today: dt.date) -> list[dt.datetime]:
    """The free slots of the first open day from VISIT_FROM_DAYS on (what an owner would ask for)."""
    day = today + dt.timedelta(days=VISIT_FROM_DAYS)
    for _ in range(60):
        free = [slot.start for slot in slots_available(store, day, calendar=calendar) if slot.free]
        if free:
            return free
        day += dt.timedelta(days=1)
    return []


def _asking(at: dt.datetime) -> str:
    local = at.astimezone(BUSINESS_TZ)
    return f"{local.month}月{local.day}日の{local.hour}時{f'{local.minute}分' if local.minute else ''}に点検をお願いします"


def _warning(car: Vehicle, code: str, severity: str, *, at: dt.datetime | None = None) -> VehicleWarning:
    """A lamp the car reported at `at` (20 minutes ago by default), handled as ingest would: the
    notice to the owner and the follow-up routed as at that moment."""
    at = at or timezone.now() - dt.timedelta(minutes=20)
    warning = VehicleWarning.objects.create(vehicle=car, code=code, kind="lamp", severity=severity, opened_at=at)
    warning_notice_create(warning_id=warning.pk, now=at)
    return warning


def _last_night(today: dt.date) -> dt.datetime:
    """22:30 yesterday: stores and the desk are closed, the desk opens first (9:00), so the
    follow-up is the call center's, as a warning in the night is."""
    return dt.datetime.combine(today - dt.timedelta(days=1), dt.time(22, 30), BUSINESS_TZ)


def _others(store: Store, owner_id: int | None) -> QuerySet[Vehicle]:
    """The store's other cars with e-Care whose owners take reminders (a demo notice respects
    consent like a real one), oldest first (deterministic)."""
    consenting = CustomerConsent.objects.filter(customer=OuterRef("customer_id"), category=ConsentCategory.REMINDERS, granted=True)
    ecare = vehicles_with_service(ECARE, business_date()).filter(Exists(consenting), store=store)
    if owner_id is not None:
        ecare = ecare.exclude(customer_id=owner_id)
    return ecare.select_related("customer", "store").order_by("id")


def demo_activity_create(*, store: Store, owner_vehicles: list[Vehicle]) -> DemoActivity:
    """Steps: 1. the demo owner's first car gets a periodic notice, and a reply to it books a
    visit that the store confirms; 2. the owner's second car reports a warning (notice and
    follow-up); 3. another car's owner asks for a visit (left for the store to confirm), a third
    asks a question (an inquiry), a fourth reports a stop-now warning (a follow-up due at the
    store), a fifth reported one last night (the call center's follow-up)."""
    today = business_date()
    activity = DemoActivity()
    calendar = StoreCalendar.for_store(store)
    slots = _visit_slots(store, calendar, today)
    morning, afternoon = (slots[0], slots[-1]) if slots else (None, None)
    owner_id = owner_vehicles[0].customer_id if owner_vehicles else None
    if owner_vehicles:
        first = owner_vehicles[0]
        notice = _inspection_notice(first, store, today)
        reply = _reply(notice, _asking(morning) if morning else QUESTION)
        activity.notices.append(notice)
        activity.replies.append(reply)
        if reply.appointment_id is not None:
            activity.visit = appointment_confirm_notify(appointment=Appointment.objects.get(pk=reply.appointment_id), actor=None)
        for car in owner_vehicles[1:2]:
            activity.warnings.append(_warning(car, "lamp:mil", "see_dealer_soon"))
    others = list(_others(store, owner_id)[:4])
    later = _asking(afternoon) if afternoon else QUESTION
    for car, text in zip(others, (later, QUESTION), strict=False):
        notice = _inspection_notice(car, store, today)
        activity.notices.append(notice)
        activity.replies.append(_reply(notice, text))
    if len(others) >= 3:
        activity.warnings.append(_warning(others[2], "lamp:charging", "stop_now"))
    if len(others) >= 4:
        activity.warnings.append(_warning(others[3], "lamp:oil_pressure", "stop_now", at=_last_night(today)))
    return activity


def demo_seeded(result) -> None:
    """The vehicles layer's demo_seeded hook: the activity at the demo owner's store."""
    store = Store.objects.select_related("company").get(pk=result.plan.stores[0].id)
    owner_vehicles = list(Vehicle.objects.filter(customer__user=result.users["owner"]).select_related("customer", "store").order_by("id"))
    demo_activity_create(store=store, owner_vehicles=owner_vehicles)
