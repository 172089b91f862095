"""Small helpers shared by the portal views of every app (htmx requests, query strings)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from dealers.selectors.access import staff_scope


def is_htmx(request: HttpRequest) -> bool:
    """True for requests htmx makes (they get a fragment instead of the full page)."""
    return request.headers.get("HX-Request") == "true"


def query_without(request: HttpRequest, *keys: str) -> str:
    """The current query string minus `keys` (e.g. the page cursor), for building links."""
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


def dealer_scope(user):
    """The staff scope of dealer staff (company admins, store staff); 404 for everyone else,
    call-center agents included: they work on warnings and follow-ups only (APPI purpose)."""
    scope = staff_scope(user)
    if scope.warnings_only:
        raise Http404
    return scope
