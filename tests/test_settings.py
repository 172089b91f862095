"""Settings come from the environment, fail loudly, and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tconnect.env import cache_from_url, database_from_url, email_from_url

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x7!" + "k3Jq9vLp2Zr8Wm4Tn6Yb1Hc5Fd0Gs" * 2,
    "DJANGO_ALLOWED_HOSTS": "portal.example.jp",
    "DATABASE_URL": "postgresql://tconnect:secret@db.internal:5432/tconnect",
    "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
    "EMAIL_URL": "submission://mailer:pw@smtp.example.jp:587",
}


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "EMAIL_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG='maybe' is not a boolean"),
        ("DJANGO_SECRET_KEY", "short", "DJANGO_SECRET_KEY must be a random string"),
        ("DATABASE_URL", "mysql://root@localhost/x", "PostgreSQL only"),
        ("DATABASE_CONN_MAX_AGE", "soon", "DATABASE_CONN_MAX_AGE='soon' is not an integer"),
        ("EMAIL_URL", "pigeon://coop", "EMAIL_URL scheme 'pigeon'"),
        ("DKIM_DOMAIN", "example.jp", "DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_PATH are set together"),
    ],
)
def test_bad_values_stop_startup_with_one_line(variable, value, message):
    result = _manage("check", env={**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_dkim_key_that_cannot_be_read_stops_startup(tmp_path):
    dkim = {"DKIM_DOMAIN": "example.jp", "DKIM_SELECTOR": "tc1"}
    missing = _manage("check", env={**PRODUCTION, **dkim, "DKIM_PRIVATE_KEY_PATH": str(tmp_path / "nope.pem")})
    assert missing.returncode != 0 and "cannot be read" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "bad.pem").write_text("not a key")
    bad = _manage("check", env={**PRODUCTION, **dkim, "DKIM_PRIVATE_KEY_PATH": str(tmp_path / "bad.pem")})
    assert bad.returncode != 0 and "is not a PEM private key" in bad.stderr


def test_database_url_parsing_accepts_socket_dir_and_tcp():
    socket = database_from_url("postgresql://postgres@/tconnect?host=/var/run/pg")
    assert (socket["NAME"], socket["HOST"], socket["USER"]) == ("tconnect", "/var/run/pg", "postgres")
    tcp = database_from_url("postgres://u:p%40ss@db:6543/app?sslmode=require")
    assert (tcp["HOST"], tcp["PORT"], tcp["PASSWORD"], tcp["OPTIONS"]) == ("db", "6543", "p@ss", {"sslmode": "require"})


def test_database_url_keeps_every_libpq_parameter():
    """The old hand-written parser kept sslmode only: a search_path or a replica preference was lost."""
    url = "postgresql://u@db:5432/app?sslmode=verify-full&options=-c%20search_path%3Dtconnect&target_session_attrs=read-write"
    assert database_from_url(url)["OPTIONS"] == {
        "sslmode": "verify-full", "options": "-c search_path=tconnect", "target_session_attrs": "read-write",
    }


def test_database_url_options_reach_postgresql(django_db_setup, django_db_blocker):
    """An `options` parameter from DATABASE_URL is what the server session really runs with."""
    from django.conf import settings
    from django.db import connections
    from django.db.backends.postgresql.base import DatabaseWrapper

    params = {**settings.DATABASES["default"], "OPTIONS": {"options": "-c application_name=from_the_url"}}
    with django_db_blocker.unblock():
        wrapper = DatabaseWrapper({**connections["default"].settings_dict, **params, "OPTIONS": params["OPTIONS"]})
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("SHOW application_name")
                assert cursor.fetchone()[0] == "from_the_url"
        finally:
            wrapper.close()


def test_cache_url_parsing():
    assert cache_from_url("redis://127.0.0.1:6379/1")["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache_from_url("dbcache://tconnect_cache")["LOCATION"] == "tconnect_cache"


def test_email_url_parsing():
    assert email_from_url("smtps://a:b@mx.example.jp")["EMAIL_PORT"] == 465
    assert email_from_url("file:///tmp/mail")["EMAIL_FILE_PATH"] == "/tmp/mail"
    submission = email_from_url("submission://mailer:pw@smtp.example.jp")
    assert (submission["EMAIL_PORT"], submission["EMAIL_USE_TLS"], submission["EMAIL_HOST_USER"]) == (587, True, "mailer")
    assert email_from_url("locmem:")["EMAIL_BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"


def test_times_are_stored_in_utc_and_shown_in_tokyo(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.LANGUAGE_CODE == "ja"


def test_the_wsgi_app_takes_its_startup_objects_out_of_the_collectors_reach():
    """tconnect/wsgi.py freezes what it loaded: full collections then skip it (shorter pauses)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "EMAIL_"))}
    code = "import gc, tconnect.wsgi; print(gc.get_freeze_count())"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **PRODUCTION},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 10_000  # Django and the apps, not a handful of objects


def test_the_default_cache_is_shared_by_every_process():
    """Login limits and used TOTP codes live in the cache: by default a database table (one for
    every web process), never a process's own memory; CACHE_URL picks Redis in production."""
    from django.conf import settings

    if not os.environ.get("CACHE_URL"):
        assert settings.CACHES["default"] == {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tconnect_cache",
        }
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        env={**PRODUCTION, "CACHE_URL": "redis://cache.internal:6379/1"},
    )
    assert result.stdout.strip().splitlines()[-1] == "django.core.cache.backends.redis.RedisCache", result.stderr


def test_the_default_cache_table_exists_after_migrate(db):
    from django.core.cache import cache

    assert cache.add("issue-12-point-2", "once") is True
    assert cache.add("issue-12-point-2", "twice") is False
