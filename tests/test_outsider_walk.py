"""Tenant isolation walk: every route of the project that takes an object id, with outsiders.

The routes come from the URL resolver, so routes added later are walked automatically. Each
URL kwarg is filled with the id of an object of company A through the fillers below; a route
with a kwarg nobody can fill fails `test_every_object_route_can_be_filled` with a list of what
is missing: add a filler (or, for a public capability link, an entry in PUBLIC_TOKEN_ROUTES).

Audiences, by path: /api/v1/me/ is the owner app, /api/v1/dcm/ the car (DCM credential),
everything else the dealer portal and staff API. In each audience the outsider of the same
kind gets 404 (charlie: admin of company B; erin: an owner of company B; company B's car).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from tests.auth import login_staff
from tests.factories import (
    CallCenterAgentFactory,
    CompanyAdminFactory,
    CustomerFactory,
    DealerCompanyFactory,
    InvitationFactory,
    StoreFactory,
    StoreStaffFactory,
    UserFactory,
    VehicleFactory,
)
from vehicles.services.credentials import credential_issue

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("admin/", "accounts/", "_allauth/", "static/", "i18n/", "api/schema/", "api/docs/")
# Links whose token is the capability (anyone holding it may use it): not tenant objects.
PUBLIC_TOKEN_ROUTES = {
    "dealers:invitation_accept": "the e-mailed invitation token; tests/dealers/test_invitations.py",
    "optout:confirm": "the one-click opt-out token of a marketing mail; notifications tests",
}
# Objects no dealer owns (a maker's recall campaign): outsiders may open them but must see
# none of company A's data on them.
SHARED_ROUTES = {
    "recalls:campaign": "a maker's recall campaign; each company sees only its own target cars",
}
OWNER_PREFIX = "api/v1/me/"
VEHICLE_PREFIX = "api/v1/dcm/"
# Company-admin pages: store staff and call-center agents get 404 whatever the object.
ADMIN_ONLY_PREFIXES = ("staff/",)
# Call-center agents handle warnings and follow-ups only: every other portal/staff route is a
# 404 for them. The e-Care work lists its follow-up routes (by name) here.
CALL_CENTER_ROUTES: set[str] = set()
CALL_CENTER_ROUTES |= {
    "vehicles:followup", "vehicles:followup_call", "vehicles:followup_close", "vehicles:followup_book",
    "api-staff-vehicle-health",
}


# --- The cast -----------------------------------------------------------------------------


class Cast:
    """Company A with two stores and its people and cars; company B as the outsider."""

    def __init__(self):
        self.company_a = DealerCompanyFactory(name="A販売株式会社")
        self.store1 = StoreFactory(company=self.company_a)
        self.store2 = StoreFactory(company=self.company_a)
        self.alice = CompanyAdminFactory(company=self.company_a, email="alice@a.example.jp")
        self.bob = StoreStaffFactory(store=self.store1, email="bob@a.example.jp")
        self.carol = CallCenterAgentFactory(email="carol@desk.example.jp")
        self.carol.desk.companies.add(self.company_a)
        self.dave = UserFactory(email="dave@owner.example.jp")  # owner, customer of A
        self.customer_a1 = CustomerFactory(company=self.company_a, user=self.dave, name="田中 大輔")
        self.customer_a2 = CustomerFactory(company=self.company_a, name="佐藤 次郎")
        self.vehicle_a1 = VehicleFactory(company=self.company_a, store=self.store1, customer=self.customer_a1)
        self.vehicle_a2 = VehicleFactory(company=self.company_a, store=self.store2, customer=self.customer_a2)
        self.invitation = InvitationFactory(
            company=self.company_a, store=self.store1, invited_by=self.alice, email="newbie@a.example.jp"
        )
        self.company_b = DealerCompanyFactory(name="B販売株式会社")
        self.charlie = CompanyAdminFactory(company=self.company_b, email="charlie@b.example.jp")
        self.erin = UserFactory(email="erin@owner.example.jp")
        customer_b = CustomerFactory(company=self.company_b, user=self.erin, name="鈴木 恵理")
        self.vehicle_b = VehicleFactory(company=self.company_b, store=StoreFactory(company=self.company_b), customer=customer_b)
        self.token_a1 = credential_issue(vehicle=self.vehicle_a1).token
        self.token_b = credential_issue(vehicle=self.vehicle_b).token

    @cached_property
    def notice(self):
        """A notice about dave's car, delivered to his app and to the car's navigation unit."""
        from notifications.models import Channel, Delivery, DeliveryStatus, Notice

        notice = Notice.objects.create(
            company=self.company_a, vehicle=self.vehicle_a1, customer=self.customer_a1, kind="shaken", stage="m3",
            category="reminders", event_date=dt.date(2027, 4, 30), send_on=dt.date(2027, 1, 30),
            dedupe_key=f"walk:{self.vehicle_a1.pk}",
        )
        for channel in (Channel.APP, Channel.NAVI):
            Delivery.objects.create(notice=notice, channel=channel, status=DeliveryStatus.DELIVERED)
        return notice

    @cached_property
    def recall_targets(self):
        """A maker's campaign (shared by all dealers) with one target car in each of A's stores."""
        from vehicles.models import RecallCampaign, RecallTarget

        campaign = RecallCampaign.objects.create(
            notification_number="walk-5000", kind="recall", title="Walk recall", defect="-", remedy="-",
            published_on=dt.date(2026, 10, 1),
        )
        return [
            RecallTarget.objects.create(
                campaign=campaign, chassis_number=v.chassis_number, vehicle=v, became_target_on=dt.date(2026, 10, 1)
            )
            for v in (self.vehicle_a1, self.vehicle_a2)
        ]

    @cached_property
    def closing_rules(self):
        from dealers.models import ClosingRule

        return [ClosingRule.objects.create(store=store, weekday=0) for store in (self.store1, self.store2)]

    @cached_property
    def calendar_exceptions(self):
        from dealers.models import CalendarException

        day = dt.date(2027, 5, 3)
        return [CalendarException.objects.create(store=s, starts_on=day, ends_on=day) for s in (self.store1, self.store2)]

    @cached_property
    def event(self):
        from notifications.models import DealerEvent

        event = DealerEvent.objects.create(
            company=self.company_a, title="A社 春の点検フェア", body="-", starts_on=dt.date(2027, 4, 1),
            ends_on=dt.date(2027, 4, 2), created_by=self.alice,
        )
        event.stores.add(self.store1)
        return event

    @cached_property
    def followups(self):
        """A stop-now warning and its follow-up at the car's store, for each of A's two cars."""
        from django.utils import timezone

        from vehicles.models import FollowUp, VehicleWarning

        now = timezone.now()
        made = []
        for vehicle in (self.vehicle_a1, self.vehicle_a2):
            warning = VehicleWarning.objects.create(vehicle=vehicle, code="lamp:brake", kind="lamp", severity="stop_now", opened_at=now)
            made.append(FollowUp.objects.create(
                company=self.company_a, vehicle=vehicle, warning=warning, severity="stop_now", assignee="store",
                store=vehicle.store, opened_at=now, available_from=now, due_at=now + dt.timedelta(minutes=30),
            ))
        return made

    @cached_property
    def maintenance_item(self):
        from vehicles.models import MaintenanceItem

        return MaintenanceItem.objects.create(company=self.company_a, code="walk_oil", name_ja="A社オイル", name_en="A oil",
                                              interval_km=10_000)

    def markers(self) -> list[str]:
        """Strings of company A's data that must never appear in an outsider's response."""
        markers = [
            self.vehicle_a1.chassis_number, self.vehicle_a2.chassis_number, self.customer_a1.name,
            self.customer_a2.name, self.bob.email, self.invitation.email,
        ]
        if "event" in self.__dict__:  # created on demand
            markers.append(self.event.title)
        return markers

    def create_everything(self) -> None:
        """Every on-demand object, so list pages have all kinds of A's data to (not) leak."""
        for name in ("notice", "recall_targets", "closing_rules", "calendar_exceptions", "event", "followups",
                     "maintenance_item"):
            getattr(self, name)


@dataclass(frozen=True)
class Filler:
    own: Callable[[Cast], object]  # an object of company A (in store 1 when store-bound)
    other_store: Callable[[Cast], object] | None = None  # the same kind in A's store 2


# By kwarg name: name URL kwargs after their model ("vehicle_id") and they are filled here.
KWARG_FILLERS: dict[str, Filler] = {
    "vehicle_id": Filler(lambda c: c.vehicle_a1.pk, lambda c: c.vehicle_a2.pk),
    "customer_id": Filler(lambda c: c.customer_a1.pk, lambda c: c.customer_a2.pk),
    "store_id": Filler(lambda c: c.store1.pk, lambda c: c.store2.pk),
    "user_id": Filler(lambda c: c.bob.pk),
    "invitation_id": Filler(lambda c: c.invitation.pk),
    "notice_id": Filler(lambda c: c.notice.pk),
    "campaign_id": Filler(lambda c: c.recall_targets[0].campaign_id),
    "recall_target_id": Filler(lambda c: c.recall_targets[0].pk, lambda c: c.recall_targets[1].pk),
    "closing_rule_id": Filler(lambda c: c.closing_rules[0].pk, lambda c: c.closing_rules[1].pk),
    "calendar_exception_id": Filler(lambda c: c.calendar_exceptions[0].pk, lambda c: c.calendar_exceptions[1].pk),
    "event_id": Filler(lambda c: c.event.pk),
    "followup_id": Filler(lambda c: c.followups[0].pk, lambda c: c.followups[1].pk),
    "maintenance_item_id": Filler(lambda c: c.maintenance_item.pk),
}
# By route name: "pk" says nothing about the model, so each route using it is listed.
ROUTE_FILLERS: dict[str, dict[str, Filler]] = {
    "vehicles:detail": {"pk": KWARG_FILLERS["vehicle_id"]},
    "api-staff-vehicle": {"pk": KWARG_FILLERS["vehicle_id"]},
    "api-staff-vehicle-health": {"pk": KWARG_FILLERS["vehicle_id"]},
    "api-owner-vehicle-health": {"pk": KWARG_FILLERS["vehicle_id"]},
    "api-owner-vehicle-service-history": {"pk": KWARG_FILLERS["vehicle_id"]},
    "api-owner-inbox-item": {"pk": Filler(lambda c: c.notice.pk)},
    "api-owner-inbox-read": {"pk": Filler(lambda c: c.notice.pk)},
    "api-dcm-inbox-item": {"pk": Filler(lambda c: c.notice.pk)},
    "api-dcm-inbox-read": {"pk": Filler(lambda c: c.notice.pk)},
}


# --- Routes -------------------------------------------------------------------------------

_ROUTE_KWARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass
class Route:
    path: str  # the route as written, e.g. "vehicles/<int:pk>/"
    name: str
    kwargs: tuple[str, ...]
    regex: bool = False
    values: dict[str, object] = field(default_factory=dict)

    @property
    def audience(self) -> str:
        if self.path.startswith(OWNER_PREFIX):
            return "owner"
        if self.path.startswith(VEHICLE_PREFIX):
            return "vehicle"
        return "staff"

    @property
    def fillable(self) -> bool:
        return not self.regex and all(self.filler(kwarg) is not None for kwarg in self.kwargs)

    def filler(self, kwarg: str) -> Filler | None:
        by_route = ROUTE_FILLERS.get(self.name, {})
        if kwarg in by_route:
            return by_route[kwarg]
        return None if kwarg == "pk" else KWARG_FILLERS.get(kwarg)

    def url(self, cast: Cast, *, variant: str = "own") -> str | None:
        """The URL with company A's ids; None when a filler has no such variant."""
        values = {}
        for kwarg in self.kwargs:
            make = getattr(self.filler(kwarg), variant)
            if make is None:
                return None
            values[kwarg] = make(cast)
        return "/" + _ROUTE_KWARG.sub(lambda m: str(values[m.group("name")]), self.path)


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "", regex: bool = False):
    for entry in resolver.url_patterns:
        is_regex = regex or isinstance(entry.pattern, RegexPattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns, is_regex)
        elif isinstance(entry, URLPattern):
            path = prefix + str(entry.pattern)
            if isinstance(entry.pattern, RoutePattern) and not is_regex:
                kwargs = tuple(m.group("name") for m in _ROUTE_KWARG.finditer(path))
            else:
                regex_ = entry.pattern.regex
                kwargs = tuple(regex_.groupindex) + (("<positional>",) if regex_.groups > len(regex_.groupindex) else ())
            yield Route(path, f"{namespace}{entry.name}" if entry.name else path, kwargs, is_regex)


def project_routes() -> list[Route]:
    return [r for r in _walk(get_resolver()) if not r.path.startswith(SKIP_PREFIXES)]


def object_routes() -> list[Route]:
    return [r for r in project_routes() if r.kwargs and r.name not in PUBLIC_TOKEN_ROUTES]


# --- Principals ---------------------------------------------------------------------------


class Principal:
    def __init__(self, label: str, client: Client, headers: dict | None = None):
        self.label, self.client, self.headers = label, client, headers or {}

    def get(self, url: str):
        return self.client.get(url, headers=self.headers)

    def post(self, url: str):
        return self.client.post(url, headers=self.headers)

    def fetch(self, url: str):
        """GET, or POST where the route takes only POST (the lookup must still 404)."""
        response = self.get(url)
        return self.post(url) if response.status_code == 405 else response


def staff(user) -> Principal:
    client = Client()
    login_staff(client, user)
    return Principal(user.email, client)


def owner(user) -> Principal:
    client = Client()
    client.force_login(user)
    return Principal(user.email, client)


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def leaks(response, markers: list[str]) -> list[str]:
    return [marker for marker in markers if marker in body(response)]


def car(token: str, label: str) -> Principal:
    return Principal(label, Client(), {"Authorization": f"Vehicle {token}"})


@pytest.fixture
def cast() -> Cast:
    return Cast()


def _insiders(cast: Cast) -> dict[str, Principal]:
    return {"staff": staff(cast.alice), "owner": owner(cast.dave), "vehicle": car(cast.token_a1, "car A1")}


def _outsiders(cast: Cast) -> dict[str, Principal]:
    return {"staff": staff(cast.charlie), "owner": owner(cast.erin), "vehicle": car(cast.token_b, "car B")}


# --- The walk -----------------------------------------------------------------------------


def unfillable(routes: list[Route]) -> list[str]:
    return [
        f"{route.name} ({route.path}): {kwarg}"
        for route in routes
        for kwarg in route.kwargs
        if route.regex or kwarg.startswith("<") or route.filler(kwarg) is None
    ]


def test_unfillable_kwargs_are_listed():
    routes = [
        Route("things/<int:thing_id>/", "things:detail", ("thing_id",)),
        Route("others/<int:pk>/", "others:detail", ("pk",)),
        Route("vehicles/<int:vehicle_id>/notes/", "notes", ("vehicle_id",)),
        Route("legacy/(?P<x>[0-9]+)/", "legacy", ("x",), regex=True),
    ]
    assert unfillable(routes) == [
        "things:detail (things/<int:thing_id>/): thing_id",
        "others:detail (others/<int:pk>/): pk",
        "legacy (legacy/(?P<x>[0-9]+)/): x",
    ]


def test_every_object_route_can_be_filled():
    missing = unfillable(object_routes())
    assert not missing, (
        "Routes with URL kwargs the outsider walk cannot fill. Add a filler in "
        "tests/test_outsider_walk.py (KWARG_FILLERS for a kwarg named after its model, "
        "ROUTE_FILLERS for 'pk'), or PUBLIC_TOKEN_ROUTES for a public capability link:\n"
        + "\n".join(missing)
    )


def test_the_walk_sees_the_routes_we_know():
    names = {route.name for route in object_routes()}
    assert {"vehicles:detail", "api-staff-vehicle", "dealers:staff_deactivate", "dealers:invitation_revoke"} <= names


def test_outsiders_get_404_on_every_object_route(cast):
    routes = [route for route in object_routes() if route.fillable]
    outsiders, insiders = _outsiders(cast), _insiders(cast)
    failures = []
    for route in routes:
        url = route.url(cast)
        outsider = outsiders[route.audience]
        response = outsider.fetch(url)
        if route.name in SHARED_ROUTES:
            if response.status_code >= 500 or leaks(response, cast.markers()):
                failures.append(f"{outsider.label} got {response.status_code} {leaks(response, cast.markers())} on {url}")
        elif response.status_code != 404:
            failures.append(f"{outsider.label} got {response.status_code} on {route.name} {url}")
    # Then the insiders, to prove each URL names a real object of A (after: POSTs may change it).
    for route in routes:
        url = route.url(cast)
        status = insiders[route.audience].fetch(url).status_code
        if status == 404 or status >= 500:
            failures.append(f"insider {insiders[route.audience].label} got {status} on {route.name} {url}")
    assert not failures, "\n".join(failures)


def test_store_staff_get_404_for_other_stores_and_admin_pages(cast):
    bob = staff(cast.bob)
    failures = []
    for route in object_routes():
        if route.audience != "staff" or not route.fillable:
            continue
        if route.name in SHARED_ROUTES:
            response = bob.fetch(route.url(cast))
            other_store = [cast.vehicle_a2.chassis_number, cast.customer_a2.name]
            if response.status_code >= 500 or leaks(response, other_store):
                failures.append(f"bob got {response.status_code} {leaks(response, other_store)} on {route.name}")
            continue
        variant = "own" if route.path.startswith(ADMIN_ONLY_PREFIXES) else "other_store"
        url = route.url(cast, variant=variant)
        if url is None:
            continue
        status = bob.fetch(url).status_code
        if status != 404:
            failures.append(f"bob got {status} on {route.name} {url}")
    assert not failures, "\n".join(failures)
    # …while his own store's car is his to see.
    assert bob.get(f"/vehicles/{cast.vehicle_a1.pk}/").status_code == 200


def test_call_center_agents_get_404_outside_followup_routes(cast):
    carol = staff(cast.carol)
    failures = []
    for route in object_routes():
        if route.audience != "staff" or route.name in CALL_CENTER_ROUTES or not route.fillable:
            continue
        url = route.url(cast)
        status = carol.fetch(url).status_code
        if status != 404:
            failures.append(f"carol got {status} on {route.name} {url}")
    assert not failures, "\n".join(failures)


def test_other_audiences_are_refused(cast):
    """Anyone outside a route's audience gets a refusal (never data), whatever the object."""
    principals = {
        "anonymous": Principal("anonymous", Client()),
        "staff": staff(cast.charlie),
        "owner": owner(cast.erin),
        "vehicle": car(cast.token_b, "car B"),
    }
    failures = []
    for route in object_routes():
        if not route.fillable:
            continue
        url = route.url(cast)
        for audience, principal in principals.items():
            if audience == route.audience:
                continue
            response = principal.fetch(url)
            refused = response.status_code in (401, 403, 404) or (
                response.status_code == 302 and response["Location"].startswith("/accounts/login/")
            )
            if not refused:
                failures.append(f"{principal.label} got {response.status_code} on {route.name} {url}")
    assert not failures, "\n".join(failures)


def test_list_routes_show_outsiders_nothing_of_company_a(cast):
    cast.create_everything()
    outsiders = _outsiders(cast)
    failures = []
    for route in project_routes():
        if route.kwargs:
            continue
        leaked = leaks(outsiders[route.audience].get("/" + route.path), cast.markers())
        if leaked:
            failures.append(f"{outsiders[route.audience].label} sees {leaked} on {route.name}")
    assert not failures, "\n".join(failures)


# --- Appointments and inquiries of the portal (notifications.urls) --------------------


def _portal_rows(cast: Cast, name: str):
    """A requested appointment / an open inquiry for each of A's two cars (store 1, store 2)."""
    if name not in cast.__dict__:
        from django.utils import timezone

        from notifications.models import Inquiry
        from vehicles.models import Appointment

        soon = timezone.now() + dt.timedelta(days=3)
        cars = (cast.vehicle_a1, cast.vehicle_a2)
        cast.__dict__["appointments"] = [
            Appointment.objects.create(company=cast.company_a, store=v.store, vehicle=v, customer=v.customer,
                                       starts_at=soon, ends_at=soon + dt.timedelta(hours=1))
            for v in cars
        ]
        cast.__dict__["inquiries"] = [
            Inquiry.objects.create(company=cast.company_a, store=v.store, vehicle=v, customer=v.customer,
                                   question="代車はありますか？", due_at=soon)
            for v in cars
        ]
    return cast.__dict__[name]


KWARG_FILLERS["appointment_id"] = Filler(
    lambda c: _portal_rows(c, "appointments")[0].pk, lambda c: _portal_rows(c, "appointments")[1].pk
)
KWARG_FILLERS["inquiry_id"] = Filler(lambda c: _portal_rows(c, "inquiries")[0].pk, lambda c: _portal_rows(c, "inquiries")[1].pk)
