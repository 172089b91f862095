"""Test set-up: a real PostgreSQL (the private embedded one unless DATABASE_URL is set)."""

from __future__ import annotations

import contextlib
import os

import pytest

from tconnect.env import database_from_url

# The scale tests (tests/scale: their own PostgreSQL pair, PgBouncer, brokers, several worker and
# web nodes) run under `make test-scale`, not in `make test`.
collect_ignore = [] if os.environ.get("TCONNECT_TEST_SCALE") else ["scale"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    from django.conf import settings

    # A name per test process, so several test runs can share one server at once.
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_tconnect_{os.getpid()}"
    if not os.environ.get("DATABASE_URL"):
        from tconnect.devstack import start_postgres

        server, url = start_postgres()
        _drop_orphaned_test_databases(url)
        test_settings = settings.DATABASES["default"]["TEST"]
        settings.DATABASES["default"].update(database_from_url(url))
        settings.DATABASES["default"]["TEST"] = test_settings
        # Keep the handle alive for the session: the server stops when the last one goes.
        settings._EMBEDDED_PG_HANDLE = server


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, plus: no test database left behind. Before the database is dropped, every
    other session on it ends (a gunicorn or worker a test started, a leaked connection), or the
    DROP fails with "being accessed by other users" and the database stays on the server."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _drop_orphaned_test_databases(admin_url: str) -> None:
    """Databases of earlier test processes that were killed before their teardown (names carry
    the pid, and the private server is this machine's): dropped once no process has that pid."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        names = [row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname ~ '^test_tconnect_[0-9]+$'")]
        for name in names:
            pid = int(name.rsplit("_", 1)[1])
            if pid == os.getpid() or _process_alive(pid):
                continue
            with contextlib.suppress(psycopg.Error):
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# Reference rows that data migrations seed (the warning-lamp/DTC table). A transactional test
# flushes every table when it ends, so the next test in the same process would find them gone.
_REFERENCE_SEEDS = [("vehicles.migrations.0004_diagnostic_codes_seed", "seed"), ("vehicles.migrations.0008_obd_check_codes", "flag")]
_DB_FIXTURES = ("db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback")


@pytest.fixture(autouse=True)
def _reference_data(request):
    if request.node.get_closest_marker("django_db") is None:
        requested = [name for name in _DB_FIXTURES if name in request.fixturenames]
        if not requested:
            return
        request.getfixturevalue(requested[0])
    import importlib

    from django.apps import apps

    from vehicles.models import DiagnosticCode

    if not DiagnosticCode.objects.exists():
        for module, function in _REFERENCE_SEEDS:
            getattr(importlib.import_module(module), function)(apps, None)
