"""Issue 14 §3: the store's booking forecast page (expected bookings vs capacity, 12 weeks,
with and without pacing): who may see it, and its figures."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _url(store) -> str:
    return f"/settings/stores/{store.pk}/forecast/"


def test_admin_and_store_staff_see_their_store_forecast_outsider_gets_404(cast, as_alice, as_bob, as_charlie):
    page = as_alice.get(_url(cast.store1))
    assert page.status_code == 200
    text = page.content.decode()
    assert "予約の見込み" in text and text.count("data-week=") == 12
    assert as_bob.get(_url(cast.store1)).status_code == 200
    assert as_bob.get(_url(cast.store2)).status_code == 404  # store staff: their own store only
    assert as_charlie.get(_url(cast.store1)).status_code == 404


def test_store_settings_links_to_the_forecast(cast, as_alice):
    page = as_alice.get(f"/settings/stores/{cast.store1.pk}/")
    assert _url(cast.store1) in page.content.decode()


def test_a_store_without_capacity_says_it_is_not_paced(cast, as_alice):
    cast.store1.service_bays = 0
    cast.store1.save(update_fields=["service_bays"])
    page = as_alice.get(_url(cast.store1))
    assert 'id="not-paced"' in page.content.decode()


def test_the_forecast_is_japanese_first_and_english_by_cookie(cast, as_alice):
    from django.conf import settings

    assert "予約の見込み" in as_alice.get(_url(cast.store1)).content.decode()
    as_alice.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = as_alice.get(_url(cast.store1)).content.decode()
    assert "Booking forecast" in text and "Expected, paced" in text
