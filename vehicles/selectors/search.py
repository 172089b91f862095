"""The front desk's search box and list filters, turned into indexed SQL (read side).

One box takes whatever the customer reads out: a chassis number (or part of it), a plate in any
spacing or width (``品川330さ1234``, ``品川 330 さ 12-34``, ``12-34``), an owner's name in kanji or
kana (spaces ignored; hiragana finds katakana), or a phone number (digits compared only). The
input is classified and each plausible reading becomes one branch of a UNION; every branch is
served by an index (pg_trgm on plate, chassis, name, kana, phone digits for three characters or
more, a prefix btree for shorter input; btree on the plate serial).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import reduce

from django.db.models import Exists, OuterRef, Q, QuerySet

from vehicles.models import Customer, Vehicle, VehicleWarning
from vehicles.models.search_keys import digits_only, without_spaces
from vehicles.parsing._text import nfkc, remove_spaces, unify_hyphens
from vehicles.parsing.plate import plate_search_key

# Only what people type around digits: spaces, hyphens, dots on plates, phone punctuation.
_NUMBERISH_RE = re.compile(r"^[\d\s\-()+.・･]+$")
_CHASSIS_RE = re.compile(r"^[A-Z0-9\-]{3,20}$")
_HAS_LETTER_RE = re.compile(r"[^\W\d_]")
_KANA_RE = re.compile("[\u3041-\u3096\u30a1-\u30fa\u30fc]")  # hiragana, katakana, the long-vowel mark
MIN_PHONE_DIGITS = 4


def _katakana(text: str) -> str:
    # Hiragana ぁ..ゖ sit exactly 0x60 below their katakana.
    return "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in text)


def _hiragana(text: str) -> str:
    return "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in text)


# pg_trgm can serve LIKE '%…%' only when the pattern holds a whole trigram: shorter input
# is matched at the start instead (a btree on the same expression), where the front desk's
# short input sits anyway — a surname (山田), a place name on the plate (品川).
MIN_TRIGRAM_CHARS = 3


def _contains_or_prefix(expression: str, value: str) -> dict:
    return {f"{expression}__contains" if len(value) >= MIN_TRIGRAM_CHARS else f"{expression}__startswith": value}


def _owners(q: Q, company_ids: Collection[int] | None) -> Q:
    """Cars of the owners matching `q`, among the companies' customers when given (a customer
    belongs to the company of their cars): a common surname then costs the company's 山田s, not
    the whole country's."""
    owners = Customer.objects.alias(n=without_spaces("name"), k=without_spaces("name_kana"), d=digits_only("phone"))
    if company_ids is not None:
        owners = owners.filter(company_id__in=company_ids)
    return Q(customer__in=owners.filter(q).values("id"))


def _number_branches(text: str, company_ids: Collection[int] | None) -> list[Q]:
    digits = re.sub(r"\D", "", text)
    branches: list[Q] = []
    if not digits:
        return branches
    if len(digits) <= 4:  # the number on the plate: ・・12, 12-34
        branches.append(Q(plate_serial=int(digits)))
    if len(digits) >= MIN_PHONE_DIGITS:
        branches.append(_owners(Q(d__contains=digits), company_ids))
    if len(digits) >= 5:  # the serial part of a chassis number
        branches.append(Q(chassis_number__contains=digits))
    return branches


def _text_branches(text: str, company_ids: Collection[int] | None) -> list[Q]:
    branches: list[Q] = []
    compact = remove_spaces(unify_hyphens(text)).upper()
    if _CHASSIS_RE.match(compact):
        branches.append(Q(chassis_number__contains=compact))
    plate_key = plate_search_key(text)
    if len(plate_key) >= 2:  # also a place name alone: 品川
        branches.append(Q(**_contains_or_prefix("plate_search", plate_key)))
    if _HAS_LETTER_RE.search(text):
        name = remove_spaces(text)
        owners = Q(**_contains_or_prefix("n", name))
        if _KANA_RE.search(name):  # kana input also reads the kana column, in either script
            for spelling in dict.fromkeys([_katakana(name), _hiragana(name)]):  # a fixed order: stable SQL
                owners |= Q(**_contains_or_prefix("k", spelling))
        branches.append(_owners(owners, company_ids))
    return branches


def search_branches(raw: object, company_ids: Collection[int] | None = None) -> list[Q] | None:
    """Every reading of the input, each one indexable on its own; None for blank input (no
    filtering), [] for input that can match nothing. `company_ids`: the scope's companies."""
    text = nfkc(raw)
    if not text:
        return None
    if _NUMBERISH_RE.match(text):
        return _number_branches(text, company_ids)
    return _text_branches(text, company_ids)


# Up to this many matches the search is answered from a list of ids; beyond it the matches are
# dense enough for walking the scope in page order to find a page at once.
SEARCH_ID_CAP = 1000


def search_filter(qs: QuerySet[Vehicle], raw: object, company_ids: Collection[int] | None = None) -> QuerySet[Vehicle]:
    """`qs` narrowed to the cars matching the search box (`company_ids`: the scope's companies).

    PostgreSQL cannot use an index for "plate LIKE … OR owner IN (…)": it answers it by walking
    every car of the scope (a quarter of a second over a million cars). So the readings run
    first, on their own, as a UNION in which each uses its own index, and the page is taken from
    the ids found. (Left inside the page query, the planner may push the page order into every
    branch and walk the scope again: one more query buys a plan that cannot go wrong.) Input that
    matches more than SEARCH_ID_CAP cars (a place name) is dense: then the OR, walked in page
    order, finds a page within a few thousand cars."""
    branches = search_branches(raw, company_ids)
    if branches is None:
        return qs
    if not branches:
        return qs.none()
    parts = [qs.filter(branch).order_by().values_list("pk", flat=True) for branch in branches]
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    ids = set(union[: SEARCH_ID_CAP + 1])
    if len(ids) <= SEARCH_ID_CAP:
        return qs.filter(pk__in=ids)
    return qs.filter(reduce(operator.or_, branches))


@dataclass(frozen=True)
class VehicleFilters:
    """Validated list filters (vehicles.forms.VehicleFilterForm builds one)."""

    q: str = ""
    due_month: dt.date | None = None  # first day of the month
    model_code: str = ""
    store_id: int | None = None
    contract: str = ""  # a ContractStatus value, or "none" for cars without a contract
    open_warnings: bool = False


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def vehicles_filter(
    qs: QuerySet[Vehicle], filters: VehicleFilters, company_ids: Collection[int] | None = None
) -> QuerySet[Vehicle]:
    """Narrow a scoped queryset (vehicles.selectors.vehicles.vehicles_for_staff) by the filters;
    `company_ids`, the scope's companies, narrows the owner search."""
    qs = search_filter(qs, filters.q, company_ids)
    if filters.due_month is not None:
        qs = qs.filter(shaken_expiry__gte=filters.due_month, shaken_expiry__lt=_next_month(filters.due_month))
    if filters.model_code:
        qs = qs.filter(model_code=filters.model_code)
    if filters.store_id is not None:
        qs = qs.filter(store_id=filters.store_id)
    if filters.contract == "none":
        qs = qs.filter(contract__isnull=True)
    elif filters.contract:
        qs = qs.filter(contract__status=filters.contract)
    if filters.open_warnings:
        qs = qs.filter(Exists(VehicleWarning.objects.filter(vehicle=OuterRef("pk"), closed_at__isnull=True)))
    return qs


def with_open_warning_flag(qs: QuerySet[Vehicle]) -> QuerySet[Vehicle]:
    """Flag each row with whether it has an open warning (a column, not a query per row)."""
    return qs.annotate(has_open_warning=Exists(VehicleWarning.objects.filter(vehicle=OuterRef("pk"), closed_at__isnull=True)))
