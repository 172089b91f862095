"""Keyset pagination for staff lists: pages stay fast at any depth and never shift under you.

The cursor is the sort key of the last (or first) row shown, e.g. ``2027-04-30|123`` for a list
ordered by (shaken_expiry, id); the next page is "rows after it" on an index, never OFFSET.
Sort columns must be non-null in the queryset and the last one unique (the id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

SEPARATOR = "|"


@dataclass(frozen=True)
class KeysetPage:
    items: list[Any]
    next_cursor: str | None  # pass as ?after= for the next page
    prev_cursor: str | None  # pass as ?before= for the previous page


def _values(qs: QuerySet, order: tuple[str, ...], cursor: str) -> list[Any] | None:
    parts = cursor.split(SEPARATOR)
    if len(parts) != len(order):
        return None
    try:
        return [qs.model._meta.get_field(name).to_python(part) for name, part in zip(order, parts, strict=True)]
    except (ValidationError, ValueError, TypeError):  # a mangled cursor simply means "first page"
        return None


def _beyond(order: tuple[str, ...], values: list[Any], op: str) -> Q:
    """Rows strictly after (op "gt") or before ("lt") the key, lexicographically."""
    q = Q(pk__in=[])
    for i, name in enumerate(order):
        prefix = {order[j]: values[j] for j in range(i)}
        q |= Q(**prefix, **{f"{name}__{op}": values[i]})
    return q


def _cursor(item: Any, order: tuple[str, ...]) -> str:
    return SEPARATOR.join(str(getattr(item, name)) for name in order)


def keyset_page(
    qs: QuerySet, *, order: tuple[str, ...], size: int, after: str | None = None, before: str | None = None
) -> KeysetPage:
    """One page of `qs` ordered by `order` (ascending), one query."""
    after_values = _values(qs, order, after) if after else None
    before_values = None if after_values else (_values(qs, order, before) if before else None)
    if before_values is not None:
        rows = list(qs.filter(_beyond(order, before_values, "lt")).order_by(*(f"-{n}" for n in order))[: size + 1])
        more_before = len(rows) > size
        items = list(reversed(rows[:size]))
        prev_cursor = _cursor(items[0], order) if items and more_before else None
        next_cursor = _cursor(items[-1], order) if items else None
        return KeysetPage(items, next_cursor, prev_cursor)
    if after_values is not None:
        qs = qs.filter(_beyond(order, after_values, "gt"))
    rows = list(qs.order_by(*order)[: size + 1])
    items = rows[:size]
    next_cursor = _cursor(items[-1], order) if len(rows) > size else None
    prev_cursor = _cursor(items[0], order) if items and after_values is not None else None
    return KeysetPage(items, next_cursor, prev_cursor)
