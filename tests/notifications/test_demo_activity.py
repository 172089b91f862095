"""A lively demo (issue 12 point 12, issue 16 point 14): right after `seed_demo`, every demo
login has something to act on, and the README's example plate is a real demo car."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from dealers.models import User
from dealers.selectors.calendar import BUSINESS_TZ
from notifications.models import Inquiry, Notice, Reply
from notifications.selectors.today import today_board
from tests.auth import login_staff
from vehicles.demo.data import DEMO_PLATE
from vehicles.models import Appointment, FollowUp, Vehicle

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
# A Tuesday at 11:00 in Tokyo and a Monday at 20:00: the demo is lively whenever it is seeded.
MOMENTS = [dt.datetime(2026, 12, 8, 11, tzinfo=BUSINESS_TZ), dt.datetime(2026, 12, 7, 20, tzinfo=BUSINESS_TZ)]


@pytest.fixture(params=MOMENTS, ids=["tuesday-11", "monday-20"])
def demo(request, time_machine):
    time_machine.move_to(request.param, tick=False)
    call_command("seed_demo", "--vehicles", "400", "--stores", "6", stdout=io.StringIO())
    return {user.email: user for user in User.objects.all()}


def test_the_demo_owner_has_notices_a_booked_visit_and_a_warning(demo):
    owner = demo["owner@example.jp"]
    cars = list(Vehicle.objects.filter(customer__user=owner).order_by("id"))
    client = Client()
    client.force_login(owner)
    inbox = client.get("/api/v1/me/inbox/").json()["results"]
    kinds = {item["kind"] for item in inbox}
    assert {"periodic", "appointment", "warning"} <= kinds
    visit = Appointment.objects.get(vehicle=cars[0])
    assert visit.state == "confirmed" and visit.starts_at > dt.datetime.now(tz=BUSINESS_TZ)
    assert any(i["kind"] == "appointment" and i["stage"] == "confirmed" for i in inbox)
    assert FollowUp.objects.filter(vehicle=cars[1], status="open").exists()


@pytest.mark.parametrize("login", ["staff@kanto.example.jp", "manager@kanto.example.jp"])
def test_today_is_not_empty_for_the_dealer_logins(demo, login):
    board = today_board(demo[login])
    assert board.followups.total >= 2  # the owner's warning and a stop-now one at the store
    assert board.requested.total >= 1  # a booking waiting for the store to confirm
    assert board.inquiries.total >= 1 and board.replies.total >= 3
    html = _today_html(demo[login])
    assert "代車はありますか" in html and "充電警告灯" in html


def test_today_is_not_empty_for_the_call_center(demo):
    board = today_board(demo["callcenter@tconnect.example.jp"])
    assert board.followups.total >= 1  # the warning from last night: the desk opened first
    assert all(f.assignee == "desk" for f in board.followups.items)


def test_the_staff_store_is_where_it_all_happens(demo):
    store = demo["staff@kanto.example.jp"].store
    assert store.name == "品川店"
    assert Inquiry.objects.filter(store=store, status="open").exists()
    assert Appointment.objects.filter(store=store, state="requested").exists()
    assert Reply.objects.filter(vehicle__store=store, status="processed").count() >= 3
    assert Notice.objects.filter(vehicle__store=store, kind="periodic", status="sent").count() >= 3


def test_the_readme_example_plate_is_the_demo_owners_car(demo):
    region, cls, kana, serial = DEMO_PLATE
    shown = f"{region} {cls} {kana} {serial // 100}-{serial % 100:02d}"
    assert shown in README.read_text(encoding="utf-8")
    car = Vehicle.objects.get(plate_display=shown)
    assert car.customer.user == demo["owner@example.jp"] and car.store == demo["staff@kanto.example.jp"].store
    client = Client()
    login_staff(client, demo["staff@kanto.example.jp"])
    found = client.get("/vehicles/", {"q": "品川330さ1234"}).content.decode()
    assert f'href="/vehicles/{car.pk}/"' in found


def _today_html(user) -> str:
    client = Client()
    login_staff(client, user)
    return client.get("/today/").content.decode()
