"""OpenAPI: the error answers every generated client must handle, added to each operation
(a drf-spectacular post-processing hook, SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

- 401: no or bad credentials (operations that need them);
- 403: authenticated, but not allowed (a staff-only path for an owner, a DCM path for a person);
- 404: the object does not exist *or belongs to another dealer* (tenancy is a 404, never a 403);
- 429: too many requests, wait `Retry-After` seconds: on the operations of views with DRF
  throttles (none today: the login limit is allauth's, outside this schema);
- 503: the database or the broker is unavailable for a moment: retry after `Retry-After`
  seconds (dealers.middleware.ServiceUnavailableMiddleware).
Each with the body DRF gives errors: `{"detail": "…"}`.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, for a person to read."}},
    "required": ["detail"],
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}}
_REF = {"$ref": "#/components/schemas/Error"}


def _answer(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": _REF}}}
    if retry_after:
        answer["headers"] = RETRY_AFTER
    return answer


ANSWERS = {
    "401": _answer("Credentials missing, wrong, expired or revoked."),
    "403": _answer("Authenticated, but this client may not use this operation."),
    "404": _answer("No such object, or it belongs to another dealer (tenancy answers 404, never 403)."),
    "429": _answer("Too many requests: wait the seconds in Retry-After.", retry_after=True),
    "503": _answer("The database or the message broker is unavailable for a moment: retry after Retry-After seconds.",
                   retry_after=True),
}


def _needs_credentials(operation: dict) -> bool:
    security = operation.get("security") or []
    return bool(security) and {} not in security


def _throttled(generator) -> set[tuple[str, str]]:
    """(path, method) of the operations whose view has throttles."""
    found = set()
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or []:
        view = getattr(callback, "cls", None)
        if view is not None and view().get_throttles():
            found.add((path, method.lower()))
    return found


def error_answers(result: dict, generator, request, public) -> dict:
    """Add the error answers (see the module docstring) to every operation of the schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    throttled = _throttled(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "put", "patch", "post", "delete"}:
                continue
            codes = []
            if _needs_credentials(operation):
                codes += ["401", "403"]
            if "{" in path:
                codes.append("404")
            if (path, method) in throttled:
                codes.append("429")
            codes.append("503")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, ANSWERS[code])
    return result
