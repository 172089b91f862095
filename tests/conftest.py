"""Test set-up: a real PostgreSQL (the private embedded one unless DATABASE_URL is set)."""

from __future__ import annotations

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
        test_settings = settings.DATABASES["default"]["TEST"]
        settings.DATABASES["default"].update(database_from_url(url))
        settings.DATABASES["default"]["TEST"] = test_settings
        # Keep the handle alive for the session: the server stops when the last one goes.
        settings._EMBEDDED_PG_HANDLE = server


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
