"""Per-vehicle API credentials for the DCM: issue, rotate, revoke, authenticate.

Secrets are 256-bit random strings, so a plain SHA-256 is the right hash: a slow password
hash would only cost CPU on every telemetry batch without adding security.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dealers.models import User
from dealers.services.audit import audit_record
from vehicles.models import Vehicle, VehicleCredential


@dataclass(frozen=True)
class IssuedCredential:
    credential: VehicleCredential
    token: str  # shown once: "<key_id>.<secret>"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def credential_issue(*, vehicle: Vehicle, actor: User | None = None) -> IssuedCredential:
    """Issue a new credential. Existing live ones expire after the rotation grace period."""
    now = timezone.now()
    VehicleCredential.objects.filter(vehicle=vehicle, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now + settings.VEHICLE_CREDENTIAL_GRACE)
    ).update(expires_at=now + settings.VEHICLE_CREDENTIAL_GRACE)
    key_id = "v" + secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    credential = VehicleCredential.objects.create(vehicle=vehicle, key_id=key_id, secret_hash=_hash(secret))
    audit_record(action="credential.issue", target=vehicle, actor=actor, company=vehicle.company_id, key_id=key_id)
    return IssuedCredential(credential, f"{key_id}.{secret}")


@transaction.atomic
def credential_revoke_all(*, vehicle: Vehicle, actor: User | None = None) -> int:
    """Revoke every credential of the vehicle at once (stolen DCM, sold car)."""
    count = VehicleCredential.objects.filter(vehicle=vehicle, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(action="credential.revoke", target=vehicle, actor=actor, company=vehicle.company_id, count=count)
    return count


def credential_authenticate(token: str) -> VehicleCredential | None:
    """The live credential matching `<key_id>.<secret>`, or None."""
    key_id, _, secret = token.partition(".")
    if not key_id or not secret or len(token) > 128:
        return None
    now = timezone.now()
    credential = (
        VehicleCredential.objects.select_related("vehicle")
        .filter(key_id=key_id, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if credential is None or not hmac.compare_digest(credential.secret_hash, _hash(secret)):
        return None
    return credential
