"""Answers when a request fails (tconnect/urls.py handler500).

A database or broker that is unavailable for a moment is not a server bug: API paths answer
JSON 503 with Retry-After, the portal a short 503 page, neither touching the database; both
recover by themselves when the service is back (persistent connections are health-checked).
Any other failure on an API path is JSON too ({"detail": …}), never Django's HTML page.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

# Seconds a client is asked to wait: a database failover or broker restart takes about this long.
RETRY_AFTER_SECONDS = 10
UNAVAILABLE = (OperationalError, InterfaceError, BrokerError, RedisConnectionError)
API_PREFIXES = ("/api/", "/_allauth/")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIXES)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: called inside Django's exception handling, so sys.exc_info() names the error."""
    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE):
        return service_unavailable(request)
    if _is_api(request):
        return JsonResponse({"detail": _("Server error. It has been logged; please try again later.")}, status=500)
    return defaults.server_error(request)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    message = _("The service is unavailable for a moment. Please try again shortly.")
    if _is_api(request):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        # Rendered without a request: no context processor (the user, the session) may need the database.
        response = HttpResponse(loader.get_template("503.html").render({"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
