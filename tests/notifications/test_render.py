"""Templates: one trio per kind, in the owner's language, with the facts and how to reply."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext

from notifications.models import Notice
from notifications.services.render import notice_render
from tests.notifications.pipeline import connected_car, run
from tests.notifications.test_daily_run import recall_target

pytestmark = pytest.mark.django_db
D = dt.date


def rendered(car, stage, channel="email"):
    return notice_render(Notice.objects.get(vehicle=car, stage=stage), channel=channel)


def test_shaken_reminder_in_japanese_states_dates_store_and_how_to_book():
    car = connected_car(expiry=D(2027, 5, 31))
    run("2027-02-28")
    mail = rendered(car, "m3")
    assert "2027年5月31日" in mail.subject
    assert "2027年5月31日" in mail.text and "2027年3月31日" in mail.text  # expiry and window opening
    assert car.store.name in mail.text and car.store.phone in mail.text and car.company.name in mail.text
    assert car.plate_display in mail.text
    with translation.override("ja"):
        how_to_book = gettext("To book, reply to this e-mail with the dates that suit you; the store will confirm.")
    assert how_to_book in mail.text
    assert "2027年5月31日" in mail.html and "<p>" in mail.html and 'lang="ja"' in mail.html
    assert "\n" not in mail.subject


def test_english_owner_and_the_open_window():
    car = connected_car(expiry=D(2027, 5, 31), language="en")
    run("2027-04-30")
    mail = rendered(car, "m1")
    assert "31 May 2027" in mail.subject
    assert "You can take the shaken now without losing any validity" in mail.text
    assert "31 March 2027" not in mail.text  # the opening date is past: not repeated


def test_inbox_rendering_says_to_reply_in_the_app():
    car = connected_car(expiry=D(2027, 5, 31), language="en")
    run("2027-02-28")
    assert "reply to this message in the app" in rendered(car, "m3", channel="app").text


def test_lapsed_notice_is_safety_information_without_promotion():
    car = connected_car(expiry=D(2027, 5, 31), language="en")
    run("2027-06-01")
    mail = rendered(car, "lapsed")
    assert mail.subject.startswith("Important")
    assert "may not be driven on public roads" in mail.text
    assert car.store.phone in mail.text
    for word in ("campaign", "event", "sale", "unsubscribe"):
        assert word not in mail.text.lower()


def test_periodic_notice():
    car = connected_car(expiry=D(2029, 6, 30), registered=(2026, 7), language="en")
    run("2027-06-01")
    mail = rendered(car, "pre")
    assert "July 2027" in mail.subject and "next month" in mail.text and "12-month inspection" in mail.text
    car_ja = connected_car(store=car.store, expiry=D(2029, 6, 30), registered=(2026, 7))
    run("2027-07-01")
    assert "2027年7月" in rendered(car_ja, "month").subject


def test_recall_notice_states_the_measure_and_carries_no_promotion():
    car = connected_car(expiry=D(2029, 6, 30), registered=None, language="en")
    recall_target(car, became=D(2027, 3, 10))
    run("2027-03-11")
    mail = rendered(car, "r0")
    assert "R-4001" in mail.subject and "ブレーキ部品の不具合" in mail.subject
    assert "部品を無償で交換します" in mail.text and "free of charge" in mail.text
    for word in ("campaign", "event", "sale", "unsubscribe"):
        assert word not in mail.text.lower()
