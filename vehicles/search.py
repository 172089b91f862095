"""The front desk's search box and list filters, turned into indexed SQL (read side).

One box takes whatever the customer reads out: a chassis number (or part of it), a plate in any
spacing or width (``品川330さ1234``, ``品川 330 さ 12-34``, ``12-34``), an owner's name in kanji or
kana (spaces ignored; hiragana finds katakana), or a phone number (digits compared only). The
input is classified and each plausible reading becomes one OR branch; every branch is served by
an index (pg_trgm on plate, chassis, name, kana, phone digits; btree on the plate serial).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from vehicles.models import Customer, Vehicle, VehicleWarning
from vehicles.models.search_keys import digits_only, without_spaces
from vehicles.parsing._text import nfkc, remove_spaces, unify_hyphens
from vehicles.parsing.plate import plate_search_key

# Only what people type around digits: spaces, hyphens, dots on plates, phone punctuation.
_NUMBERISH_RE = re.compile(r"^[\d\s\-()+.・･]+$")
_CHASSIS_RE = re.compile(r"^[A-Z0-9\-]{3,20}$")
_HAS_LETTER_RE = re.compile(r"[^\W\d_]")
MIN_PHONE_DIGITS = 4


def _katakana(text: str) -> str:
    # Hiragana ぁ..ゖ sit exactly 0x60 below their katakana.
    return "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in text)


def _hiragana(text: str) -> str:
    return "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in text)


def _number_branches(text: str) -> Q:
    digits = re.sub(r"\D", "", text)
    q = Q(pk__in=[])
    if not digits:
        return q
    if len(digits) <= 4:  # the number on the plate: ・・12, 12-34
        q |= Q(plate_serial=int(digits))
    if len(digits) >= MIN_PHONE_DIGITS:
        phones = Customer.objects.alias(d=digits_only("phone")).filter(d__contains=digits)
        q |= Q(customer__in=phones.values("id"))
    if len(digits) >= 5:  # the serial part of a chassis number
        q |= Q(chassis_number__contains=digits)
    return q


def _text_branches(text: str) -> Q:
    q = Q(pk__in=[])
    compact = remove_spaces(unify_hyphens(text)).upper()
    if _CHASSIS_RE.match(compact):
        q |= Q(chassis_number__contains=compact)
    plate_key = plate_search_key(text)
    if len(plate_key) >= 2:  # also a place name alone: 品川
        q |= Q(plate_search__contains=plate_key)
    if _HAS_LETTER_RE.search(text):
        name = remove_spaces(text)
        owners = Customer.objects.alias(n=without_spaces("name"), k=without_spaces("name_kana")).filter(
            Q(n__contains=name) | Q(k__contains=_katakana(name)) | Q(k__contains=_hiragana(name))
        )
        q |= Q(customer__in=owners.values("id"))
    return q


def search_q(raw: object) -> Q | None:
    """The OR of every reading of the input; None for blank input (no filtering)."""
    text = nfkc(raw)
    if not text:
        return None
    if _NUMBERISH_RE.match(text):
        return _number_branches(text)
    return _text_branches(text)


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


def vehicles_filter(qs: QuerySet[Vehicle], filters: VehicleFilters) -> QuerySet[Vehicle]:
    """Narrow a scoped queryset (vehicles.selectors.vehicles_for_staff) by the filters."""
    search = search_q(filters.q)
    if search is not None:
        qs = qs.filter(search)
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
