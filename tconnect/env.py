"""Typed, loud readers for environment variables.

Settings call these; a bad value stops start-up with one line naming the variable,
instead of surfacing later as a confusing runtime error.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# Our EMAIL_URL schemes (kept for existing deployments) → django-environ's names.
_EMAIL_SCHEMES = {
    "smtp": "smtp",  # plain SMTP, e.g. a local relay on port 25
    "smtps": "smtp+ssl",  # implicit TLS, port 465
    "submission": "smtp+tls",  # STARTTLS, port 587
    "console": "consolemail",
    "file": "filemail",
    "locmem": "memorymail",
}
_EMAIL_DEFAULT_PORTS = {"smtp": 587, "smtps": 465, "submission": 587}


def database_from_url(url: str) -> dict:
    """Django DATABASES entry from postgres://user:pass@host:port/name?opts (django-environ).

    Every query parameter reaches libpq (sslmode, options, target_session_attrs, …); a Unix
    socket directory may be given libpq-style as ?host=/path.
    """
    scheme = urlparse(url).scheme
    if scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgresql:// URL (PostgreSQL only), got scheme {scheme!r}")
    config = environ.Env.db_url_config(url)
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL must name a database")
    options = dict(config.get("OPTIONS") or {})
    host = options.pop("host", None) or unquote(str(config.get("HOST") or ""))
    return {**config, "HOST": host, "PORT": str(config.get("PORT") or ""), "OPTIONS": options}


def email_from_url(url: str) -> dict:
    """EMAIL_* settings from smtp://user:pass@host:port, smtps://… (TLS), submission://… (STARTTLS),
    console:, file:///dir or locmem: (django-environ)."""
    parsed = urlparse(url)
    if parsed.scheme not in _EMAIL_SCHEMES:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parsed.scheme!r} is not one of smtp, smtps, submission, console, file, locmem"
        )
    if parsed.scheme in _EMAIL_DEFAULT_PORTS and not parsed.hostname:
        raise ImproperlyConfigured("EMAIL_URL needs a host, e.g. smtp://mail.example.jp:587")
    rest = url.split(":", 1)[1]
    if not rest.startswith("//"):
        rest = "//" + rest  # console: / locmem: have no authority part
    config = environ.Env.email_url_config(f"{_EMAIL_SCHEMES[parsed.scheme]}:{rest}")
    if parsed.scheme in _EMAIL_DEFAULT_PORTS and not config.get("EMAIL_PORT"):
        config["EMAIL_PORT"] = _EMAIL_DEFAULT_PORTS[parsed.scheme]
    if parsed.scheme == "file":
        config["EMAIL_FILE_PATH"] = unquote(parsed.path)  # django-environ drops the leading slash
    return {key: value for key, value in config.items() if value is not None}


def cache_from_url(url: str) -> dict:
    """A CACHES entry from redis://host:port/db, rediss://…, dbcache://table or locmemcache:// (django-environ)."""
    try:
        return environ.Env.cache_url_config(url)
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"CACHE_URL: {exc}") from None
