"""The scale tests' own PostgreSQL pair: a primary on a loopback port and a streaming replica
made from it with pg_basebackup, started for the session and torn down after. The test
database is created on the primary as usual; the replica receives it by streaming, and the
`replica` alias reads the same database name there (TEST MIRROR)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tconnect.env import database_from_url
from tests.scale.servers import PgCluster


@pytest.fixture(scope="session")
def pg_pair():
    root = Path(tempfile.mkdtemp(prefix="tconnect-scale-"))
    primary = PgCluster(root / "primary").init_primary().start()
    replica = None
    try:
        replica = PgCluster(root / "replica").init_replica_of(primary).start()
        yield primary, replica
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(pg_pair, django_db_modify_db_settings_parallel_suffix):
    import os

    from django.conf import settings

    primary, replica = pg_pair
    default = settings.DATABASES["default"]
    default.update(database_from_url(primary.url("tconnect")))
    default["TEST"]["NAME"] = f"test_tconnect_{os.getpid()}"
    settings.DATABASES["replica"] = {
        **default,
        **database_from_url(replica.url("tconnect")),
        "TEST": {**default["TEST"], "NAME": None, "MIRROR": "default"},
    }
