"""Dealer event mail: audience, consent (domain §5), footer, one-click opt-out, idempotent send."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealers.models import AuditEntry
from notifications.models import Channel, DealerEventStatus, Delivery, DeliveryStatus, Notice
from notifications.selectors.events import event_audience_count, event_get_for_staff
from notifications.services.events import (
    due_events_send,
    event_audience_recount,
    event_cancel,
    event_create,
    event_preview,
    event_schedule,
    event_send,
)
from notifications.services.render import event_notice_render, marketing_opt_out_url
from tests.factories import (
    CompanyAdminFactory,
    ContractFactory,
    CustomerFactory,
    StoreFactory,
    StoreStaffFactory,
    VehicleFactory,
)
from vehicles.models import ConsentCategory, ConsentRecord, CustomerConsent, Equipment
from vehicles.services.consent import consent_set

pytestmark = pytest.mark.django_db


def owner_car(store, *, marketing=True, prefecture="東京都", model_code="ZVW30", **vehicle):
    customer = CustomerFactory(company=store.company, prefecture=prefecture)
    if marketing is not None:
        consent_set(customer=customer, category=ConsentCategory.MARKETING, granted=marketing, source="paper form at store")
    car = VehicleFactory(company=store.company, customer=customer, store=store, model_code=model_code, **vehicle)
    ContractFactory(vehicle=car)
    return car


def make_event(store, **fields):
    defaults = {
        "company": store.company, "actor": None, "title": "夏の点検フェア", "body": "オイル交換が20%オフ。",
        "starts_on": dt.date(2026, 7, 1), "ends_on": dt.date(2026, 7, 31), "stores": [store],
    }
    return event_create(**{**defaults, **fields})


def send_now(event):
    event_schedule(event=event, send_at=timezone.now() - dt.timedelta(minutes=1), actor=None)
    return event_send(event_id=event.pk)


def event_vehicle_ids(event):
    return set(Notice.objects.filter(kind="event", source_id=event.pk).values_list("vehicle_id", flat=True))


@pytest.fixture
def store():
    return StoreFactory(prefecture="東京都")


def test_audience_filters_model_area_and_registration_store(store):
    other_store = StoreFactory(company=store.company)
    match = owner_car(store, model_code="MXWH60", prefecture="神奈川県")
    owner_car(store, model_code="ZVW30", prefecture="神奈川県")  # other model
    owner_car(store, model_code="MXWH60", prefecture="東京都")  # other area
    owner_car(other_store, model_code="MXWH60", prefecture="神奈川県")  # registered elsewhere
    owner_car(StoreFactory(), model_code="MXWH60", prefecture="神奈川県")  # another dealer company
    event = make_event(
        store, audience_model_codes=["6AA-MXWH60"], audience_prefectures=["神奈川県"], audience_stores=[store]
    )
    assert event.audience_model_codes == ["MXWH60"]  # the emissions prefix is dropped

    assert send_now(event) == 1
    assert event_vehicle_ids(event) == {match.pk}


def test_empty_filters_reach_the_whole_company(store):
    cars = {owner_car(store).pk, owner_car(StoreFactory(company=store.company)).pk}
    owner_car(StoreFactory())
    event = make_event(store)
    assert send_now(event) == 2
    assert event_vehicle_ids(event) == cars


def test_only_owners_with_marketing_consent_and_a_record(store):
    granted = owner_car(store)
    owner_car(store, marketing=False)
    owner_car(store, marketing=None)  # never asked
    no_record = owner_car(store, marketing=None)
    # A current "granted" row without any grant record is no evidence: not sent (§5).
    CustomerConsent.objects.create(customer=no_record.customer, category="marketing", granted=True, updated_at=timezone.now())
    event = make_event(store)

    send_now(event)

    notice = Notice.objects.get(source_id=event.pk, kind="event")
    assert notice.vehicle == granted
    record = ConsentRecord.objects.get(customer=granted.customer, category="marketing", granted=True)
    assert notice.context["consent_record_id"] == record.pk
    assert (notice.category, notice.dedupe_key) == ("marketing", f"event:{event.pk}:{granted.pk}")


def test_no_mail_without_the_service(store):
    car = owner_car(store)
    car.contract.status = "suspended"
    car.contract.save()
    unparticipating = StoreFactory(company=store.company, participates_in_remote_maintenance=False)
    owner_car(unparticipating)
    assert send_now(make_event(store)) == 0


def test_owner_who_opted_out_after_scheduling_gets_nothing(store, client):
    stays, leaves = owner_car(store), owner_car(store)
    event = make_event(store)
    event_schedule(event=event, send_at=timezone.now() + dt.timedelta(hours=1), actor=None)

    client.post(marketing_opt_out_url(leaves.customer))
    due_events_send(now=timezone.now() + dt.timedelta(hours=2))

    assert event_vehicle_ids(event) == {stays.pk}


def test_sending_twice_creates_one_notice_per_vehicle(store):
    cars = {owner_car(store).pk, owner_car(store).pk}
    event = make_event(store)
    assert send_now(event) == 2
    assert event_send(event_id=event.pk) is None  # already sent: not claimed again
    # Even a send that runs again from scratch (status forced back) duplicates nothing.
    type(event).objects.filter(pk=event.pk).update(status=DealerEventStatus.SCHEDULED)
    assert event_send(event_id=event.pk) == 0
    assert event_vehicle_ids(event) == cars
    assert Notice.objects.filter(source_id=event.pk).count() == 2
    event.refresh_from_db()
    assert event.status == DealerEventStatus.SENT
    assert AuditEntry.objects.filter(action="event.sent", target_id=str(event.pk)).count() == 2


def test_due_scan_sends_only_events_whose_time_has_come(store):
    owner_car(store)
    due, later, draft = make_event(store), make_event(store), make_event(store)
    now = timezone.now()
    event_schedule(event=due, send_at=now + dt.timedelta(minutes=5), actor=None)
    event_schedule(event=later, send_at=now + dt.timedelta(hours=5), actor=None)

    assert due_events_send(now=now) == []
    assert due_events_send(now=now + dt.timedelta(minutes=6)) == [due.pk]
    assert due_events_send(now=now + dt.timedelta(minutes=7)) == []
    for event, status in ((due, "sent"), (later, "scheduled"), (draft, "draft")):
        event.refresh_from_db()
        assert event.status == status


def test_cancelled_event_is_not_sent(store):
    owner_car(store)
    event = make_event(store)
    event_schedule(event=event, send_at=timezone.now(), actor=None)
    event_cancel(event=event, actor=None)
    assert event_send(event_id=event.pk) is None
    with pytest.raises(ValidationError):
        event_schedule(event=event, send_at=timezone.now(), actor=None)


def test_deliveries_per_channel(store):
    navi = owner_car(store, equipment=Equipment.NAVI, navi_paired=False)
    dcm = owner_car(store, equipment=Equipment.DCM_ONLY)
    dcm.customer.email = ""
    dcm.customer.save()
    event = make_event(store)
    send_now(event)
    rows = {(d.notice.vehicle_id, d.channel): d.status for d in Delivery.objects.select_related("notice")}
    assert rows == {
        (navi.pk, Channel.NAVI): DeliveryStatus.WAITING,
        (navi.pk, Channel.APP): DeliveryStatus.DELIVERED,
        (navi.pk, Channel.EMAIL): DeliveryStatus.QUEUED,
        (dcm.pk, Channel.APP): DeliveryStatus.DELIVERED,
    }


def test_rendered_mail_carries_the_legal_footer_and_unsubscribe_headers(store):
    car = owner_car(store)
    car.customer.language = "en"
    car.customer.save()
    event = make_event(store)
    send_now(event)
    notice = Notice.objects.get(source_id=event.pk, kind="event")

    mail = event_notice_render(notice)

    company = store.company
    link = marketing_opt_out_url(car.customer)
    assert link.startswith("http") and "/optout/" in link
    for part in (mail.text, mail.html):
        assert company.name in part
        assert company.postal_address in part
        assert company.complaints_contact in part
        assert "You may refuse further event mail at any time" in part
        assert link in part
    assert "夏の点検フェア" in mail.subject and "夏の点検フェア" in mail.text
    assert mail.headers == {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def test_preview_renders_for_a_sample_recipient_and_counts_in_one_query(store, django_assert_num_queries):
    car = owner_car(store)
    owner_car(store)
    owner_car(store, marketing=False)
    event = make_event(store)

    event_audience_recount(event_id=event.pk)  # what the task queued by the page does
    preview = event_preview(event=event)

    assert preview.audience.count == 2
    assert car.customer.name in preview.mail.text
    assert store.company.postal_address in preview.mail.html
    with django_assert_num_queries(1):
        assert event_audience_count(event, on=timezone.localdate()) == 2
    assert not Notice.objects.exists()  # previewing sends nothing


def test_preview_without_audience_uses_a_sample_name(store):
    event = make_event(store)
    event_audience_recount(event_id=event.pk)
    preview = event_preview(event=event)
    assert preview.audience.count == 0
    assert store.company.complaints_contact in preview.mail.text


def test_one_click_opt_out_get_confirms_post_refuses_at_once(store, client):
    car = owner_car(store)
    url = marketing_opt_out_url(car.customer)

    page = client.get(url)
    assert page.status_code == 200
    assert b"<form" in page.content
    assert CustomerConsent.objects.get(customer=car.customer, category="marketing").granted is True

    done = client.post(url)
    assert done.status_code == 200
    assert CustomerConsent.objects.get(customer=car.customer, category="marketing").granted is False
    record = ConsentRecord.objects.filter(customer=car.customer, category="marketing").order_by("-id").first()
    assert (record.granted, record.source, record.evidence) == (False, "one-click opt-out", "opt-out confirmation page")
    assert AuditEntry.objects.filter(action="consent.opt_out", target_id=str(car.customer.pk)).count() == 1


def test_rfc8058_one_click_post(store, client):
    car = owner_car(store)
    response = client.post(
        marketing_opt_out_url(car.customer), data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert CustomerConsent.objects.get(customer=car.customer, category="marketing").granted is False
    record = ConsentRecord.objects.filter(customer=car.customer).order_by("-id").first()
    assert record.evidence == "RFC 8058 one-click POST"
    assert AuditEntry.objects.filter(action="consent.opt_out").exists()


def test_tampered_token_is_refused(store, client):
    car = owner_car(store)
    url = marketing_opt_out_url(car.customer)
    response = client.post(url[:-3] + "xyz/")
    assert response.status_code == 400
    assert CustomerConsent.objects.get(customer=car.customer, category="marketing").granted is True


def test_opt_out_cancels_pending_marketing_deliveries_but_not_safety(store, client):
    car = owner_car(store, equipment=Equipment.NAVI, navi_paired=False)
    event = make_event(store)
    send_now(event)
    safety = Notice.objects.create(
        company=store.company, vehicle=car, customer=car.customer, kind="recall", stage="r0", category="safety",
        event_date=timezone.localdate(), send_on=timezone.localdate(), dedupe_key="recall:test:r0",
    )
    Delivery.objects.create(notice=safety, channel=Channel.NAVI, status=DeliveryStatus.WAITING)

    client.post(marketing_opt_out_url(car.customer))

    marketing = Delivery.objects.get(notice__kind="event", channel=Channel.NAVI)
    assert marketing.status == DeliveryStatus.CANCELLED
    assert Delivery.objects.get(notice=safety).status == DeliveryStatus.WAITING
    # The app copy was already in the inbox: that notice stays sent, nothing more goes out.
    assert Delivery.objects.get(notice__kind="event", channel=Channel.EMAIL).status == DeliveryStatus.CANCELLED


def test_create_validates_stores_and_dates(store):
    with pytest.raises(ValidationError) as excinfo:
        make_event(store, stores=[StoreFactory()], ends_on=dt.date(2026, 6, 1), title=" ")
    assert set(excinfo.value.message_dict) == {"stores", "ends_on", "title"}
    assert AuditEntry.objects.filter(action="event.create").count() == 0
    event = make_event(store, actor=CompanyAdminFactory(company=store.company))
    assert AuditEntry.objects.filter(action="event.create", target_id=str(event.pk)).exists()


def test_staff_of_another_company_cannot_touch_or_see_the_event(store):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    event = make_event(store)
    outsider = CompanyAdminFactory()
    with pytest.raises(PermissionDenied):
        event_schedule(event=event, send_at=timezone.now(), actor=outsider)
    with pytest.raises(Http404):
        event_get_for_staff(outsider, event.pk)
    assert event_get_for_staff(StoreStaffFactory(store=store), event.pk) == event


def test_scheduling_for_now_queues_the_send_on_commit(store, django_capture_on_commit_callbacks):
    owner_car(store)
    event = make_event(store)
    with django_capture_on_commit_callbacks() as callbacks:
        event_schedule(event=event, send_at=timezone.now(), actor=None)
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as later:
        event_schedule(event=make_event(store), send_at=timezone.now() + dt.timedelta(days=1), actor=None)
    assert later == []


def test_email_copy_goes_out_with_footer_and_one_click_headers(store, mailoutbox):
    from notifications.services.outbox import deliveries_send_due

    car = owner_car(store)
    stopped = owner_car(store)
    event = make_event(store)
    send_now(event)
    # Refused after the notice was made: the outbox re-checks consent for marketing mail.
    CustomerConsent.objects.filter(customer=stopped.customer, category="marketing").update(granted=False)

    result = deliveries_send_due()

    assert (result.delivered, result.cancelled) == (1, 1)
    (mail,) = mailoutbox
    assert mail.to == [car.customer.email]
    link = marketing_opt_out_url(car.customer)
    assert mail.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert store.company.postal_address in mail.body and link in mail.body
    assert Delivery.objects.get(notice__vehicle=stopped, channel=Channel.EMAIL).status == DeliveryStatus.CANCELLED


def test_an_owner_with_three_cars_gets_mails_that_each_name_their_car(store, mailoutbox):
    """Issue 16 point 6: three identical mails did not say which car each was for."""
    from notifications.services.outbox import deliveries_send_due

    first = owner_car(store)
    owner = first.customer
    cars = [first]
    for car_name, plate in (("アクア", "品川 500 あ 12"), ("ノア", "品川 301 ま 2525")):
        car = VehicleFactory(company=store.company, customer=owner, store=store, car_name=car_name, plate_display=plate)
        ContractFactory(vehicle=car)
        cars.append(car)
    send_now(make_event(store))
    deliveries_send_due()

    mails = [m for m in mailoutbox if m.to == [owner.email]]
    assert len(mails) == 3
    for car in cars:
        (mail,) = [m for m in mails if car.plate_display in m.subject]
        assert car.car_name in mail.subject and "夏の点検フェア" in mail.subject
        assert f"対象のお車：{car.car_name} {car.plate_display}" in mail.body
    assert len({m.subject for m in mails}) == 3


def test_the_preview_names_the_sample_car(store):
    car = owner_car(store)
    event = make_event(store)
    event_audience_recount(event_id=event.pk)
    preview = event_preview(event=event)
    assert car.plate_display in preview.mail.subject and car.plate_display in preview.mail.text


def _audience_queries(captured) -> list[str]:
    """Statements of the audience query (it alone joins the contracts to the cars)."""
    return [q["sql"] for q in captured.captured_queries if "vehicles_contract" in q["sql"]]


def test_the_preview_never_counts_its_audience_in_the_request(store, django_capture_on_commit_callbacks, monkeypatch):
    """Counting walks every car of the company (11-18 s a request at a million cars): the page
    queues one count task, shows the figure once it is kept, and queues again only when it is old
    or the event changed."""
    from dealers.services import queueing
    from notifications.selectors.events import AUDIENCE_FRESH

    queued = []
    monkeypatch.setattr(queueing, "task_publish_or_keep", lambda name, *args: queued.append((name, *args)))
    owner_car(store)
    event = make_event(store)
    with CaptureQueriesContext(connection) as counting, django_capture_on_commit_callbacks(execute=True):
        first = event_preview(event=event)
        again = event_preview(event=event)
    assert (first.audience, again.audience) == (None, None)
    assert queued == [("notifications.events_audience_count", event.pk)]  # once, however many views
    assert not _audience_queries(counting)

    with CaptureQueriesContext(connection) as task:
        kept = event_audience_recount(event_id=event.pk)
    assert len(_audience_queries(task)) == 2  # the task counts (and takes the sample car)
    with CaptureQueriesContext(connection) as viewing:
        shown = event_preview(event=event)
    assert shown.audience == kept and shown.audience.count == 1
    assert not _audience_queries(viewing)

    # An hour later the figure is still shown, and one recount is queued.
    later = timezone.now() + AUDIENCE_FRESH + dt.timedelta(minutes=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert event_preview(event=event).audience.count == 1
    assert len(queued) == 2
    # Changing the event's filters makes the kept figure its old self's: counted again.
    event.audience_model_codes = ["ZZZ99"]
    event.save()
    assert event_preview(event=event).audience is None
