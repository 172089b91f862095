"""The portal tests' cast: company A (alice admin, bob at store 1, carol at the call-center
desk), and charlie, admin of company B, the outsider. Each fixture gives a logged-in client."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.auth import login_staff
from tests.factories import (
    CallCenterAgentFactory,
    CompanyAdminFactory,
    ContractFactory,
    CustomerFactory,
    DealerCompanyFactory,
    StoreFactory,
    StoreStaffFactory,
    VehicleFactory,
)
from vehicles.parsing.plate import plate_search_key


def plated_vehicle(*, store, plate=("品川", "330", "さ", 1234), customer=None, contract=True, **fields):
    """A car of the store's company with a plate (search key set as the importer does)."""
    region, cls, kana, serial = plate
    customer = customer if customer is not None else CustomerFactory(company=store.company)
    vehicle = VehicleFactory(
        company=store.company, store=store, customer=customer, plate_region=region, plate_class=cls, plate_kana=kana,
        plate_serial=serial, plate_display=f"{region} {cls} {kana} {serial}",
        plate_search=plate_search_key(f"{region}{cls}{kana}{serial}"), **fields,
    )
    if contract:
        ContractFactory(vehicle=vehicle)
    return vehicle


class Cast:
    def __init__(self):
        self.company = DealerCompanyFactory(name="A販売株式会社")
        self.store1 = StoreFactory(company=self.company, name="品川店", code="S1")
        self.store2 = StoreFactory(company=self.company, name="大井店", code="S2")
        self.alice = CompanyAdminFactory(company=self.company, name="管理 アリス")
        self.bob = StoreStaffFactory(store=self.store1, name="受付 ボブ")
        self.carol = CallCenterAgentFactory(name="コール キャロル")
        self.carol.desk.companies.add(self.company)
        self.other_company = DealerCompanyFactory(name="B販売株式会社")
        self.other_store = StoreFactory(company=self.other_company, name="横浜店", code="S9")
        self.charlie = CompanyAdminFactory(company=self.other_company, name="外部 チャーリー")


@pytest.fixture
def cast(db) -> Cast:
    return Cast()


def _client(user) -> Client:
    client = Client()
    login_staff(client, user)
    return client


@pytest.fixture
def as_alice(cast) -> Client:
    return _client(cast.alice)


@pytest.fixture
def as_bob(cast) -> Client:
    return _client(cast.bob)


@pytest.fixture
def as_carol(cast) -> Client:
    return _client(cast.carol)


@pytest.fixture
def as_charlie(cast) -> Client:
    return _client(cast.charlie)
