"""Per-delivery envelope senders (VERP) and Message-IDs: how a bounce or a complaint names the
delivery it is about.

Every e-mail delivery goes out with the envelope sender `bounce-<id>-<signature>@REPLY_DOMAIN`
and the Message-ID `<<id>.<signature>@REPLY_DOMAIN>`. A bounce arrives at the envelope sender, so
the address alone says which delivery failed, whatever the bounce's body looks like; a feedback
report (ARF) quotes the original headers, which carry both. The signature is an HMAC of the id
under SECRET_KEY, lower-case hex (mail systems may change the case of a local part), so a
delivery's address cannot be guessed from another's and nobody can bounce mail they never got.
"""

from __future__ import annotations

import hmac
import re

from django.conf import settings
from django.utils.crypto import salted_hmac

BOUNCE_PREFIX = "bounce-"
_SALT = "notifications.verp"
_SIGNATURE_LENGTH = 20  # 80 bits
_BOUNCE_LOCAL = re.compile(r"^bounce-([0-9]{1,18})-([0-9a-f]{20})$")
_MESSAGE_ID = re.compile(r"<?([0-9]{1,18})\.([0-9a-f]{20})@([^>\s]+)>?")


def delivery_signature(delivery_id: int) -> str:
    return salted_hmac(_SALT, str(delivery_id), algorithm="sha256").hexdigest()[:_SIGNATURE_LENGTH]


def _verified(delivery_id: str, signature: str) -> int | None:
    return int(delivery_id) if hmac.compare_digest(delivery_signature(int(delivery_id)), signature) else None


def _our_domain(domain: str) -> bool:
    return domain.lower().rstrip(".") == settings.REPLY_DOMAIN.lower()


def bounce_address(delivery_id: int) -> str:
    """The envelope sender (Return-Path) of the delivery's mail."""
    return f"{BOUNCE_PREFIX}{delivery_id}-{delivery_signature(delivery_id)}@{settings.REPLY_DOMAIN}"


def delivery_for_bounce_address(address: str) -> int | None:
    """The delivery id a bounce address names, or None (not ours, malformed or forged)."""
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    match = _BOUNCE_LOCAL.match(local.lower()) if at and _our_domain(domain) else None
    return _verified(*match.groups()) if match else None


def is_bounce_address(address: str) -> bool:
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    return bool(at) and _our_domain(domain) and local.lower().startswith(BOUNCE_PREFIX)


def complaint_address() -> str:
    return f"{settings.MAIL_COMPLAINTS_LOCAL_PART}@{settings.REPLY_DOMAIN}"


def is_complaint_address(address: str) -> bool:
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    return bool(at) and _our_domain(domain) and local.lower() == settings.MAIL_COMPLAINTS_LOCAL_PART


def message_id(delivery_id: int) -> str:
    return f"<{delivery_id}.{delivery_signature(delivery_id)}@{settings.REPLY_DOMAIN}>"


def delivery_for_message_id(value: str) -> int | None:
    """The delivery id of one of our Message-IDs (verified), else None."""
    match = _MESSAGE_ID.search(value or "")
    if not match or not _our_domain(match.group(3)):
        return None
    return _verified(match.group(1), match.group(2).lower())
