"""Glue to allauth's MFA signals (no business logic here)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver

from dealers.middleware import mark_second_factor_passed


@receiver(authenticator_added, dispatch_uid="dealers.totp_activated_counts_as_second_factor")
def totp_activated_counts_as_second_factor(sender, request, user, authenticator, **kwargs) -> None:
    """Activating TOTP took the password (re-entered) and a valid code from the new app: the
    session has shown both factors, so the staff member is not asked for a second code."""
    if (
        request is not None
        and authenticator.type == Authenticator.Type.TOTP
        and getattr(request, "user", None) is not None
        and request.user.pk == user.pk
    ):
        mark_second_factor_passed(request)
