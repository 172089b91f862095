"""DATABASE_REPLICA_URL against a real streaming replica (tests/scale/conftest.py): heavy reads
go to it, the user who just wrote reads the primary until the replica has their write, and a
lagging or unreachable replica is skipped."""

from __future__ import annotations

import time

import pytest
from django.db import connections
from django.test import Client

from dealers.selectors import replica as replica_reads
from tests.auth import login_staff
from tests.factories import CompanyAdminFactory, StoreFactory, VehicleFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

LIST = "/api/v1/vehicles/"


@pytest.fixture
def replica_on(settings, pg_pair):
    """The middleware reads its switch at start-up; the test client builds a new handler per
    test, so the setting is in force for it."""
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "replica"}}
    from django.core.cache import cache

    cache.clear()
    primary, replica = pg_pair
    yield primary, replica
    replica.execute("SELECT pg_wal_replay_resume()")
    connections["replica"].close()


@pytest.fixture
def admin_client(replica_on):
    primary, replica = replica_on
    store = StoreFactory(name="品川店")
    other = StoreFactory(company=store.company, name="大井店")
    user = CompanyAdminFactory(company=store.company)
    car = VehicleFactory(store=store, company=store.company)
    client = Client()
    login_staff(client, user)
    replica.wait_replayed(primary)
    return client, car, other


def _store_names(response) -> list[str]:
    assert response.status_code == 200
    return [row["store_name"] for row in response.json()["results"]]


def test_heavy_lists_read_from_the_replica_and_everything_else_from_the_primary(admin_client):
    client, _car, _other = admin_client
    response = client.get(LIST)
    assert response["X-Read-From"] == "replica"
    assert _store_names(response) == ["品川店"]
    assert client.get("/today/")["X-Read-From"] == "primary"  # not a heavy read


def test_the_user_who_just_wrote_reads_the_primary_until_the_replica_has_the_write(admin_client, pg_pair):
    client, car, other = admin_client
    _primary, replica = pg_pair
    replica.execute("SELECT pg_wal_replay_pause()")  # the replica stops applying what it receives
    response = client.post(f"/vehicles/{car.pk}/store/", {"store": other.pk, "confirmed": "1"})
    assert response.status_code == 302
    assert response["X-Read-From"] == "primary"
    response = client.get(LIST)
    assert response["X-Read-From"] == "primary"
    assert _store_names(response) == ["大井店"]  # the replica still says 品川店
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT s.name FROM vehicles_vehicle v JOIN dealers_store s ON s.id = v.store_id WHERE v.id = %s",
                       [car.pk])
        assert cursor.fetchone() == ("品川店",)
    replica.execute("SELECT pg_wal_replay_resume()")
    deadline = time.monotonic() + 20
    while (response := client.get(LIST))["X-Read-From"] != "replica":
        assert time.monotonic() < deadline, "the replica never caught up"
        time.sleep(0.1)
    assert _store_names(response) == ["大井店"]


def test_a_replica_lagging_more_than_the_limit_is_skipped_for_everyone(admin_client, pg_pair, settings):
    client, _car, _other = admin_client
    primary, replica = pg_pair
    replica.execute("SELECT pg_wal_replay_pause()")
    StoreFactory(name="遅延店")  # someone else writes: received by the replica, not replayed
    time.sleep(settings.DATABASE_REPLICA_MAX_LAG_SECONDS + 1.5)
    assert client.get(LIST)["X-Read-From"] == "primary"
    replica.execute("SELECT pg_wal_replay_resume()")
    replica.wait_replayed(primary)
    assert client.get(LIST)["X-Read-From"] == "replica"


def test_an_unreachable_replica_falls_back_to_the_primary(admin_client, pg_pair):
    client, _car, _other = admin_client
    _primary, replica = pg_pair
    replica.stop()
    try:
        connections["replica"].close()
        response = client.get(LIST)
        assert response["X-Read-From"] == "primary"
        assert _store_names(response) == ["品川店"]
    finally:
        replica.start()


def test_the_router_never_writes_or_migrates_on_the_replica():
    router = replica_reads.ReplicaRouter()
    assert router.db_for_write(object) == "default"
    assert router.allow_migrate("replica", "vehicles") is False
    assert router.db_for_read(object) == "default"  # outside a request chosen for the replica
