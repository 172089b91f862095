"""Customers (personal data under APPI): create and update with normalised contact fields.

Audit entries name the changed fields, never their values: the audit log is not a second
copy of personal data.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from dealers.models import DealerCompany, User
from dealers.services.audit import audit_record
from vehicles.models import Customer

CUSTOMER_FIELDS = ("name", "name_kana", "email", "phone", "postal_code", "prefecture", "address", "language")
_DASHES = re.compile(r"[ー‐‑‒–—―−﹣]")
_PHONE_NOISE = re.compile(r"[\s\-().]")
_DOMESTIC_PHONE = re.compile(r"^0\d{9,10}$")
_INTERNATIONAL_PHONE = re.compile(r"^\+\d{7,15}$")
_POSTAL = re.compile(r"^(\d{3})-?(\d{4})$")


def _text(raw: object) -> str:
    return unicodedata.normalize("NFKC", str(raw or "")).strip()


def _digits_text(raw: object) -> str:
    # Dash look-alikes only become "-" in numbers: in names "ー" is a long vowel (サトー).
    return _DASHES.sub("-", _text(raw))


def phone_normalise(raw: object) -> str:
    """Digits only (search by phone must not depend on how it was typed): "０９０-1234-5678"
    and "+81 90 1234 5678" both become "09012345678". "" stays ""; a bad number raises."""
    text = _PHONE_NOISE.sub("", _digits_text(raw))
    if not text:
        return ""
    if text.startswith("+81"):
        text = "0" + text[3:].removeprefix("0")
    if not (_DOMESTIC_PHONE.match(text) or _INTERNATIONAL_PHONE.match(text)):
        raise ValidationError({"phone": _("Enter a phone number such as 090-1234-5678.")})
    return text


def _postal_normalise(raw: object) -> str:
    text = _digits_text(raw).removeprefix("〒").strip()
    if not text:
        return ""
    match = _POSTAL.match(text)
    if match is None:
        raise ValidationError({"postal_code": _("Enter a postal code such as 100-0001.")})
    return f"{match[1]}-{match[2]}"


def _email_normalise(raw: object) -> str:
    text = _text(raw).lower()
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    return text


_NORMALISERS = {"phone": phone_normalise, "postal_code": _postal_normalise, "email": _email_normalise}


def customer_fields_clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Normalise CUSTOMER_FIELDS values; one ValidationError with every bad field (forms use it)."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"not customer fields: {sorted(unknown)}")
    errors: dict[str, list] = {}
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        try:
            cleaned[name] = _NORMALISERS.get(name, _text)(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = [_("Enter the customer's name.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _validate(customer: Customer) -> None:
    # Model validation catches lengths and choices (language) with per-field messages.
    customer.full_clean(exclude=["company", "user"], validate_unique=False, validate_constraints=False)


@transaction.atomic
def customer_create(*, company: DealerCompany, actor: User | None, **fields: Any) -> Customer:
    """Create a customer of `company` from CUSTOMER_FIELDS (name required)."""
    cleaned = customer_fields_clean({"name": "", **fields})
    customer = Customer(company=company, **cleaned)
    _validate(customer)
    customer.save()
    audit_record(action="customer.create", target=customer, actor=actor, company=company, fields=sorted(cleaned))
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor: User | None, **fields: Any) -> Customer:
    """Change some of CUSTOMER_FIELDS; writes (and audits) only the fields that changed."""
    cleaned = customer_fields_clean(fields)
    changed = [name for name, value in cleaned.items() if getattr(customer, name) != value]
    if not changed:
        return customer
    previous = {name: getattr(customer, name) for name in changed}
    for name in changed:
        setattr(customer, name, cleaned[name])
    try:
        _validate(customer)
    except ValidationError:
        for name, value in previous.items():  # leave the caller's instance as it was
            setattr(customer, name, value)
        raise
    customer.save(update_fields=changed)
    audit_record(action="customer.update", target=customer, actor=actor, company=customer.company_id, fields=changed)
    return customer
