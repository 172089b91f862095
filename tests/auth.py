"""Log test users in the way the portal and the app really see them.

login_staff() gives a staff member a TOTP authenticator and a session that passed it (the
session flag StaffMFARequiredMiddleware sets after the code step). totp_code() makes a
valid code for the fixed test secret, for tests that go through the real code forms.
"""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

from dealers.middleware import MFA_SESSION_KEY

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "pw-for-tests-123"  # UserFactory's password


def totp_activate(user, secret: str = TOTP_SECRET) -> Authenticator:
    return TOTP.activate(user, secret).instance


def totp_code(secret: str = TOTP_SECRET, offset: int = 0) -> str:
    """The code of the current 30-second window (offset windows before/after it)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def login_staff(client, user) -> None:
    """Log a dealer staff member (or platform admin) in with a TOTP authenticator and a passed
    second factor."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        totp_activate(user)
    client.force_login(user)
    session = client.session
    session[MFA_SESSION_KEY] = True
    session.save()


def app_login(client, email: str, password: str = PASSWORD):
    """Owner app login through allauth headless; returns the response."""
    return client.post(
        "/_allauth/app/v1/auth/login", {"email": email, "password": password}, content_type="application/json"
    )
