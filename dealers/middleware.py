"""Dealer staff and platform admins see customer data only in a session that passed the second
factor (APPI). Platform admins log in to Django admin through the same allauth login
(dealers.admin.login), never through the admin's own password-only form.

The session flag MFA_SESSION_KEY is a cache of that fact. Only two places set it:
- this middleware, when the user has a TOTP authenticator AND allauth's authentication
  records of this session show an "mfa" step by this user (login with a code, or
  /accounts/2fa/reauthenticate/);
- dealers.signals, right after the user activated TOTP in this session (which needs the
  password re-entered and a valid code from the new authenticator).
A staff member who has TOTP but reached a session without using it (force_login, an
auto-login after a password reset, a future login path) is sent to enter a code first.
Django's login() flushes the session when the user changes, so the flag never carries over.
"""

from __future__ import annotations

import re
import time
import uuid
from contextvars import ContextVar
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from prometheus_client import Counter, Histogram

from dealers.selectors.replica import (
    note_write,
    reading_from_replica,
    replica_configured,
    replica_reads_enable,
    replica_reads_reset,
    replica_usable,
)

MFA_SESSION_KEY = "mfa_ok"

# Paths a staff member without a passed second factor may still reach: the account and MFA
# pages themselves (login, TOTP set-up, code entry, logout), language switch, static files,
# the app API's own auth endpoints (staff are refused there) and the invitation page.
_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/_allauth/", "/invite/", "/favicon.ico")
_API_PREFIX = "/api/"


def passed_second_factor(request: HttpRequest, user) -> bool:
    """True when this session's allauth records show an MFA step by this very user."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


def mark_second_factor_passed(request: HttpRequest) -> None:
    request.session[MFA_SESSION_KEY] = True


class StaffMFARequiredMiddleware:
    """Dealer staff and platform admins must have TOTP, and have used it in this session,
    before any other page (Django admin included)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "requires_second_factor", False)
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and not request.session.get(MFA_SESSION_KEY)
        ):
            refusal = self._second_factor_refusal(request, user)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _second_factor_refusal(self, request: HttpRequest, user) -> HttpResponse | None:
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            return self._refuse(request, "mfa_activate_totp", _("Set up two-factor authentication first."))
        if not passed_second_factor(request, user):
            return self._refuse(request, "mfa_reauthenticate", _("Enter a code from your authenticator app first."))
        mark_second_factor_passed(request)
        return None

    @staticmethod
    def _refuse(request: HttpRequest, urlname: str, message: str) -> HttpResponse:
        if request.path.startswith(_API_PREFIX):
            # API clients cannot follow a redirect into an HTML form: say what is missing.
            return JsonResponse({"detail": message}, status=403)
        url = reverse(urlname)
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(url)


# --- Request id and request figures --------------------------------------------------------------
# The id of the request this thread serves, for every log line it writes (LOG_FORMAT=json).
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
# An id from the load balancer is kept when it looks like one (so nginx's $request_id joins up).
_GOOD_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

HTTP_REQUESTS = Counter("tconnect_http_requests", "HTTP requests answered, by view and status", ["view", "method", "status"])
HTTP_SECONDS = Histogram(
    "tconnect_http_request_seconds",
    "Time to answer, by view",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
)
_COUNTED_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RequestContextMiddleware:
    """First in the chain: gives each request an id (X-Request-ID, in and out, and in the logs)
    and counts it by view name and status (the URL pattern's name, never the path: a path label
    would grow without bound)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _GOOD_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # Cleared when the response is closed (request_finished), not here: Django logs a 4xx
        # response ("Not Found: …") after the middleware chain has returned.
        current_request_id.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match else "unmatched"
        method = request.method if request.method in _COUNTED_METHODS else "other"
        HTTP_REQUESTS.labels(view, method, str(response.status_code)).inc()
        HTTP_SECONDS.labels(view).observe(time.perf_counter() - started)
        response["X-Request-ID"] = request_id
        return response


def _forget_request_id(**_kwargs) -> None:
    current_request_id.set("")
    replica_reads_reset()


request_finished.connect(_forget_request_id, dispatch_uid="dealers.middleware.forget_request_id")


# --- Heavy reads from the replica (dealers.selectors.replica) -------------------------------------
_SAFE_METHODS = {"GET", "HEAD"}


class ReplicaReadsMiddleware:
    """Turns replica reads on for a GET of a view in DATABASE_REPLICA_VIEWS when the replica
    has the user's last write and does not lag; after any other request of a signed-in user,
    notes the WAL position their next reads must see. Does nothing without a replica."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = replica_configured()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        replica_reads_reset()
        try:
            response = self.get_response(request)
        finally:
            used_replica = reading_from_replica()
            replica_reads_reset()
        user = getattr(request, "user", None)
        if request.method not in _SAFE_METHODS and user is not None and user.is_authenticated:
            note_write(user.pk)
        response["X-Read-From"] = "replica" if used_replica else "primary"
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not self.enabled or request.method not in _SAFE_METHODS:
            return None
        match = request.resolver_match
        if match is None or match.view_name not in settings.DATABASE_REPLICA_VIEWS:
            return None
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        if replica_usable(user_id):
            replica_reads_enable()
        return None
