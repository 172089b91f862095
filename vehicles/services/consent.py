"""Mail consent per category (特定電子メール法, domain §5).

CustomerConsent holds the current answer per category (what the daily run joins);
ConsentRecord is the append-only evidence kept for the law. Safety notices (recalls,
warnings, a lapsed shaken) are never suppressed, so the safety category cannot be refused.
"""

from __future__ import annotations

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import User
from dealers.services.audit import audit_record
from vehicles.models import ConsentCategory, ConsentRecord, Customer, CustomerConsent

OPT_OUT_SOURCE = "one-click opt-out"
# A salt of its own, so no other signed value of the project can be replayed as an opt-out.
_OPT_OUT_SALT = "vehicles.consent.opt-out"


def consent_check(category: str, granted: bool, source: str) -> None:
    """Raise a per-field ValidationError for an answer consent_set would refuse (forms use it)."""
    if category not in ConsentCategory.values:
        raise ValidationError({"category": _("Unknown consent category.")})
    if category == ConsentCategory.SAFETY and not granted:
        message = _("Safety notices (recalls, warnings, lapsed inspection) cannot be refused.")
        raise ValidationError({"category": ValidationError(message, code="safety_not_refusable")})
    if not source.strip():
        raise ValidationError({"source": _("Say how the consent was given or refused.")})


def _consent_apply(
    *, customer: Customer, category: str, granted: bool, source: str, actor: User | None, evidence: str, action: str
) -> CustomerConsent:
    consent_check(category, granted, source)
    # The customer row lock serialises two answers racing to create the current row.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    current = CustomerConsent.objects.filter(customer=customer, category=category).first()
    if current is not None and current.granted == granted:
        return current
    now = timezone.now()
    if current is None:
        current = CustomerConsent.objects.create(customer=customer, category=category, granted=granted, updated_at=now)
    else:
        current.granted, current.updated_at = granted, now
        current.save(update_fields=["granted", "updated_at"])
    ConsentRecord.objects.create(
        customer=customer,
        category=category,
        granted=granted,
        source=source.strip(),
        evidence=evidence,
        recorded_by=actor if actor is not None and actor.pk else None,
    )
    audit_record(
        action=action,
        target=customer,
        actor=actor,
        company=customer.company_id,
        category=category,
        granted=granted,
        source=source.strip(),
    )
    return current


@transaction.atomic
def consent_set(
    *, customer: Customer, category: str, granted: bool, source: str, actor: User | None = None, evidence: str = ""
) -> CustomerConsent:
    """Record a grant or refusal: upsert the current row, append a ConsentRecord, audit.

    A call that repeats the current answer writes nothing. A first explicit refusal is
    recorded (unlike "never asked"), although both mean not granted.
    """
    return _consent_apply(
        customer=customer,
        category=category,
        granted=granted,
        source=source,
        actor=actor,
        evidence=evidence,
        action="consent.set",
    )


def consent_granted(customer: Customer, category: str) -> bool:
    """Whether mail of `category` may be sent. Safety: always; no answer yet: no."""
    if category == ConsentCategory.SAFETY:
        return True
    return CustomerConsent.objects.filter(customer=customer, category=category, granted=True).exists()


def consent_granted_exists(category: str, customer: OuterRef | None = None) -> Exists:
    """SQL form of consent_granted for set-based runs: `.filter(consent_granted_exists(...))`.

    `customer` is the outer reference to the customer id, by default OuterRef("customer_id")
    (a Vehicle queryset). Safety categories are not filtered at all, so do not call it for them.
    """
    if category == ConsentCategory.SAFETY:
        raise ValueError("safety notices are never filtered by consent")
    ref = customer if customer is not None else OuterRef("customer_id")
    return Exists(CustomerConsent.objects.filter(customer_id=ref, category=category, granted=True))


def consent_opt_out_token(customer: Customer, category: str) -> str:
    """The token of the one-click refusal link. It never expires: a refusal must always work."""
    if category not in ConsentCategory.values or category == ConsentCategory.SAFETY:
        raise ValueError(f"no opt-out for category {category!r}")
    return signing.Signer(salt=_OPT_OUT_SALT).sign_object({"c": customer.pk, "k": category})


def consent_opt_out_category(token: str) -> str | None:
    """The category a refusal link would stop (for the confirmation page), None if invalid."""
    try:
        category = str(signing.Signer(salt=_OPT_OUT_SALT).unsign_object(token)["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return category if category in ConsentCategory.values and category != ConsentCategory.SAFETY else None


@transaction.atomic
def consent_opt_out_by_token(token: str, *, evidence: str = "") -> CustomerConsent:
    """Honour a refusal link at once; ValidationError for a tampered or unknown token."""
    invalid = ValidationError(_("This opt-out link is not valid. Please contact the dealer."), code="invalid_token")
    try:
        payload = signing.Signer(salt=_OPT_OUT_SALT).unsign_object(token)
        customer_id, category = int(payload["c"]), str(payload["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or category == ConsentCategory.SAFETY:
        raise invalid
    return _consent_apply(
        customer=customer,
        category=category,
        granted=False,
        source=OPT_OUT_SOURCE,
        actor=None,
        evidence=evidence,
        action="consent.opt_out",
    )
