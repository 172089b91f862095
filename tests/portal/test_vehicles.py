"""Staff vehicle search, list filters, keyset pages, the vehicle page and the change of store."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dealers.models import AuditEntry
from tests.factories import CustomerFactory, StoreFactory
from tests.portal.builders import recall_target
from tests.portal.conftest import plated_vehicle
from vehicles.models import ContractStatus, RecallStatus, ServiceItem, StoreRegistration, VehicleWarning
from vehicles.services.service_records import ItemInput, service_record_create

pytestmark = pytest.mark.django_db


def found(response) -> set[str]:
    """Chassis numbers listed in a vehicle list response."""
    return {v.chassis_number for v in response.context["page"].items}


@pytest.fixture
def cars(cast):
    yamada = CustomerFactory(company=cast.company, name="山田 太郎", name_kana="ヤマダ タロウ", phone="090-1234-5678")
    sato = CustomerFactory(company=cast.company, name="佐藤花子", name_kana="サトウ ハナコ", phone="03-5555-0001")
    return {
        "yamada": plated_vehicle(store=cast.store1, customer=yamada, plate=("品川", "330", "さ", 1234),
                                 chassis_number="ZVW30-1000083", shaken_expiry=dt.date(2027, 4, 30)),
        "sato": plated_vehicle(store=cast.store2, customer=sato, plate=("練馬", "500", "あ", 12),
                               chassis_number="MXAA54-4000001", model_code="MXAA54", shaken_expiry=dt.date(2027, 5, 15)),
        "outsider": plated_vehicle(store=cast.other_store, plate=("品川", "330", "さ", 1234), chassis_number="ZVW30-1999999",
                                   customer=CustomerFactory(company=cast.other_company, name="山田 次郎", phone="090-1234-5678")),
    }


@pytest.mark.parametrize(
    "query",
    ["品川330さ1234", "品川 330 さ 12-34", "品川３３０さ１２－３４", "12-34", "１２３４", "330さ12", "サ1234"],
)
def test_plate_in_any_spacing_or_width_finds_the_car(as_alice, cars, query):
    response = as_alice.get("/vehicles/", {"q": query})
    assert response.status_code == 200
    assert found(response) == {"ZVW30-1000083"}  # never company B's car with the same plate


@pytest.mark.parametrize("query", ["ZVW30-1000083", "zvw30-1000083", "ＺＶＷ３０－１０００", "1000083", "ZVW30ー1000083"])
def test_chassis_number_whole_or_part(as_alice, cars, query):
    assert found(as_alice.get("/vehicles/", {"q": query})) == {"ZVW30-1000083"}


@pytest.mark.parametrize("query", ["山田", "山田太郎", "山田　太郎", "やまだ", "ヤマダ タロウ", "ﾔﾏﾀﾞ"])
def test_owner_name_in_kanji_or_kana(as_alice, cars, query):
    assert found(as_alice.get("/vehicles/", {"q": query})) == {"ZVW30-1000083"}


@pytest.mark.parametrize("query", ["09012345678", "090-1234-5678", "０９０（１２３４）５６７８", "5678"])
def test_phone_digits_only(as_alice, cars, query):
    assert found(as_alice.get("/vehicles/", {"q": query})) == {"ZVW30-1000083"}


@pytest.mark.parametrize(("query", "expected"), [
    ("山田", {"ZVW30-1000083"}),  # a surname: matched at the start of the name
    ("佐藤花子", {"MXAA54-4000001"}),  # three characters or more: anywhere in the name
    ("花子", set()),  # two characters hold no trigram: only the start of a name is searched
    ("練馬", {"MXAA54-4000001"}),  # a place name on the plate
])
def test_short_input_is_matched_at_the_start(as_alice, cars, query, expected):
    assert found(as_alice.get("/vehicles/", {"q": query})) == expected


def test_a_car_matched_by_several_readings_is_listed_once(as_alice, cars):
    # 1234 is the plate's serial and the tail of the owner's phone number.
    cars["yamada"].customer.phone = "03-0000-1234"
    cars["yamada"].customer.save()
    response = as_alice.get("/vehicles/", {"q": "1234"})
    assert [v.chassis_number for v in response.context["page"].items] == ["ZVW30-1000083"]


def test_nothing_found_says_so(as_alice, cars):
    response = as_alice.get("/vehicles/", {"q": "存在しない名前"})
    assert found(response) == set()
    assert b"No vehicles match." in response.content or "該当" in response.content.decode()


def test_filters_due_month_model_store_contract_and_warnings(cast, as_alice, cars):
    assert found(as_alice.get("/vehicles/", {"due": "2027-05"})) == {"MXAA54-4000001"}
    assert found(as_alice.get("/vehicles/", {"model": "6AA-MXAA54"})) == {"MXAA54-4000001"}
    assert found(as_alice.get("/vehicles/", {"store": cast.store1.pk})) == {"ZVW30-1000083"}
    cars["sato"].contract.status = ContractStatus.CANCELLED
    cars["sato"].contract.save()
    assert found(as_alice.get("/vehicles/", {"contract": "cancelled"})) == {"MXAA54-4000001"}
    assert found(as_alice.get("/vehicles/", {"contract": "active"})) == {"ZVW30-1000083"}
    VehicleWarning.objects.create(vehicle=cars["sato"], code="P0300", kind="dtc", severity="see_dealer_soon",
                                  opened_at=timezone.now())
    response = as_alice.get("/vehicles/", {"warnings": "on"})
    assert found(response) == {"MXAA54-4000001"}
    assert response.context["page"].items[0].has_open_warning


def test_bad_filters_are_reported_not_a_500(as_alice, cars):
    response = as_alice.get("/vehicles/", {"due": "2027-13", "store": "abc", "contract": "nonsense"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"due", "store", "contract"}
    assert found(response) == {"ZVW30-1000083", "MXAA54-4000001"}  # the bad filters are ignored


def test_another_company_store_is_not_a_valid_filter(cast, as_alice, cars):
    response = as_alice.get("/vehicles/", {"store": cast.other_store.pk})
    assert "store" in response.context["form"].errors
    assert "ZVW30-1999999" not in found(response)


def test_store_staff_see_their_store_only_and_call_center_nothing(cast, as_bob, as_carol, cars):
    assert found(as_bob.get("/vehicles/")) == {"ZVW30-1000083"}
    assert found(as_bob.get("/vehicles/", {"q": "佐藤"})) == set()
    assert as_bob.get(f"/vehicles/{cars['sato'].pk}/").status_code == 404
    assert as_carol.get("/vehicles/").status_code == 404
    assert as_carol.get(f"/vehicles/{cars['yamada'].pk}/").status_code == 404


def test_htmx_search_returns_the_results_fragment(as_alice, cars):
    response = as_alice.get("/vehicles/", {"q": "12-34"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and "ZVW30-1000083" in body


def test_keyset_pages_forward_and_back(cast, as_alice):
    cars = [plated_vehicle(store=cast.store1, plate=("品川", "330", "さ", n + 1), contract=False) for n in range(55)]
    first = as_alice.get("/vehicles/")
    assert len(first.context["page"].items) == 50 and first.context["page"].prev_cursor is None
    second = as_alice.get("/vehicles/", {"after": first.context["page"].next_cursor})
    assert [v.pk for v in second.context["page"].items] == [c.pk for c in cars[50:]]
    assert second.context["page"].next_cursor is None
    back = as_alice.get("/vehicles/", {"before": second.context["page"].prev_cursor})
    assert [v.pk for v in back.context["page"].items] == [c.pk for c in cars[:50]]
    assert as_alice.get("/vehicles/", {"after": "garbage|x"}).status_code == 200


@pytest.mark.parametrize("cap", [1000, 10])
def test_search_pages_the_same_whether_matches_are_few_or_dense(cast, as_alice, monkeypatch, cap):
    """Up to SEARCH_ID_CAP matches the page is taken from their ids; beyond it (dense input)
    the scope is walked in page order. Both give the same pages."""
    import vehicles.selectors.search

    monkeypatch.setattr(vehicles.selectors.search, "SEARCH_ID_CAP", cap)
    owner = CustomerFactory(company=cast.company, name="品川 一郎")  # matched by name and by plate
    cars = [plated_vehicle(store=cast.store1, plate=("品川", "330", "さ", n + 1), customer=owner if n % 2 else None)
            for n in range(55)]
    plated_vehicle(store=cast.store1, plate=("練馬", "330", "さ", 99))
    plated_vehicle(store=cast.other_store, plate=("品川", "330", "さ", 98))  # another company's
    first = as_alice.get("/vehicles/", {"q": "品川"})
    second = as_alice.get("/vehicles/", {"q": "品川", "after": first.context["page"].next_cursor})
    assert [v.pk for v in first.context["page"].items] + [v.pk for v in second.context["page"].items] == [c.pk for c in cars]


def test_due_month_list_is_in_expiry_order_across_pages(cast, as_alice):
    days = [dt.date(2027, 6, 30 - n % 30) for n in range(60)]
    for day in days:
        plated_vehicle(store=cast.store1, shaken_expiry=day, contract=False)
    first = as_alice.get("/vehicles/", {"due": "2027-06"})
    second = as_alice.get("/vehicles/", {"due": "2027-06", "after": first.context["page"].next_cursor})
    listed = [v.shaken_expiry for v in first.context["page"].items + second.context["page"].items]
    assert listed == sorted(days)


def test_list_query_count_does_not_grow_with_the_page(cast, as_alice, django_assert_num_queries):
    for n in range(3):
        plated_vehicle(store=cast.store1, plate=("品川", "330", "さ", n + 1))
    as_alice.get("/vehicles/")  # warm the session
    with django_assert_num_queries(5):  # session, user, the search's ids, vehicles page, store choices
        small = as_alice.get("/vehicles/", {"q": "品川"})
    for n in range(40):
        VehicleWarning.objects.create(
            vehicle=plated_vehicle(store=cast.store2, plate=("品川", "331", "さ", n + 1)), code="P0300", kind="dtc",
            severity="info", opened_at=timezone.now())
    with django_assert_num_queries(5):
        big = as_alice.get("/vehicles/", {"q": "品川"})
    assert len(big.context["page"].items) == 43 > len(small.context["page"].items)


def test_vehicle_page_shows_the_car_and_logs_the_access(cast, as_alice, cars):
    target = recall_target(cars["yamada"])
    VehicleWarning.objects.create(vehicle=cars["yamada"], code="lamp:oil_pressure", kind="lamp", severity="stop_now",
                                  opened_at=timezone.now())
    response = as_alice.get(f"/vehicles/{cars['yamada'].pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("ZVW30-1000083", "山田 太郎", "090-1234-5678", "品川 330 さ 1234", target.campaign.title, "油圧警告灯"):
        assert text in body
    assert "2027年4月30日(金)" in body and "令和9年" in body
    assert AuditEntry.objects.filter(action="vehicle.view", target_id=str(cars["yamada"].pk), actor=cast.alice).exists()
    assert response.context["page"].open_recalls[0].status == RecallStatus.NOT_DONE


def test_vehicle_page_query_count_is_fixed(cast, as_alice, cars, django_assert_num_queries):
    car = cars["yamada"]
    store = car.store or cast.store1
    visit = {"store": store, "items": [ItemInput(ServiceItem.ENGINE_OIL), ItemInput(ServiceItem.TYRES)]}
    service_record_create(vehicle=car, performed_on=timezone.localdate(), **visit)
    as_alice.get(f"/vehicles/{car.pk}/")
    # session, user, vehicle, audit insert, availability, warnings, consents, registrations,
    # recalls, upcoming visits, health (state, open warnings), OBD flags, store choices,
    # next due (pace, due dates), service history (records, their items)
    with django_assert_num_queries(17):
        as_alice.get(f"/vehicles/{car.pk}/")
    for n in range(5):
        recall_target(car)
        VehicleWarning.objects.create(vehicle=car, code=f"P030{n}", kind="dtc", severity="info", opened_at=timezone.now(),
                                      closed_at=timezone.now())
        service_record_create(vehicle=car, performed_on=timezone.localdate() - dt.timedelta(days=n + 1), **visit)
    with django_assert_num_queries(17):
        response = as_alice.get(f"/vehicles/{car.pk}/")
    assert len(response.context["page"].recalls) == 5


def test_outsider_gets_404_on_the_page_and_the_store_change(cast, as_charlie, cars):
    assert as_charlie.get(f"/vehicles/{cars['yamada'].pk}/").status_code == 404
    response = as_charlie.post(f"/vehicles/{cars['yamada'].pk}/store/", {"store": cast.other_store.pk, "confirmed": "True"})
    assert response.status_code == 404
    cars["yamada"].refresh_from_db()
    assert cars["yamada"].store_id == cast.store1.pk


def test_change_store_asks_for_confirmation_then_registers(cast, as_alice, cars):
    car = cars["yamada"]
    url = f"/vehicles/{car.pk}/store/"
    assert as_alice.get(url).status_code == 405
    confirm = as_alice.post(url, {"store": cast.store2.pk})
    assert confirm.status_code == 200 and cast.store2.name in confirm.content.decode()
    car.refresh_from_db()
    assert car.store_id == cast.store1.pk  # nothing changed yet
    done = as_alice.post(url, {"store": cast.store2.pk, "confirmed": "True"})
    assert done.status_code == 302 and done["Location"] == f"/vehicles/{car.pk}/"
    car.refresh_from_db()
    assert car.store_id == cast.store2.pk
    assert StoreRegistration.objects.get(vehicle=car, ended_at__isnull=True).store_id == cast.store2.pk
    assert AuditEntry.objects.filter(action="vehicle.store_change", target_id=str(car.pk), actor=cast.alice).exists()


def test_change_store_refuses_other_companies_and_non_participating_stores(cast, as_alice, cars):
    closed = StoreFactory(company=cast.company, participates_in_remote_maintenance=False)
    for store in (cast.other_store, closed):
        response = as_alice.post(f"/vehicles/{cars['yamada'].pk}/store/", {"store": store.pk, "confirmed": "True"})
        assert response.status_code == 400 and "store" in response.context["form"].errors
    cars["yamada"].refresh_from_db()
    assert cars["yamada"].store_id == cast.store1.pk


def test_store_staff_hand_a_car_to_another_store_and_lose_sight_of_it(cast, as_bob, cars):
    response = as_bob.post(f"/vehicles/{cars['yamada'].pk}/store/", {"store": cast.store2.pk, "confirmed": "True"})
    assert response.status_code == 302 and response["Location"] == "/vehicles/"
    assert as_bob.get(f"/vehicles/{cars['yamada'].pk}/").status_code == 404


def test_due_month_is_typed_the_japanese_way(cast, as_alice, cars):
    for typed in ("2027/05", "2027年5月", "２０２７／０５", "2027-05"):
        assert found(as_alice.get("/vehicles/", {"due": typed})) == {"MXAA54-4000001"}, typed
    html = as_alice.get("/vehicles/").content.decode()
    assert 'type="month"' not in html and 'placeholder="2027/04"' in html
