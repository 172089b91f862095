"""SQL expressions the staff search compares against, shared by the indexes and the queries.

An expression index is used only when the query repeats the indexed expression exactly, so
both sides take it from here.
"""

from django.db.models import F, Func, Value
from django.db.models.functions import Replace

FULL_WIDTH_SPACE = "\u3000"


def without_spaces(field: str) -> Func:
    """The column with ASCII and full-width spaces removed: 山田 太郎 and 山田太郎 compare equal."""
    return Replace(Replace(F(field), Value(" "), Value("")), Value(FULL_WIDTH_SPACE), Value(""))


def digits_only(field: str) -> Func:
    """The column's digits: 090-1234-5678 and 09012345678 compare equal."""
    return Func(F(field), Value(r"\D"), Value(""), Value("g"), function="regexp_replace")
