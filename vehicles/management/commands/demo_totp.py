"""manage.py demo_totp EMAIL: the current 6-digit code of a demo login (no phone needed)."""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand, CommandError

from vehicles.demo.base import DEMO_TOTP_SECRET


def current_code(secret: str, at: float | None = None) -> str:
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo login (only for users with the published demo secret)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        authenticator = (
            Authenticator.objects.filter(user__email__iexact=email.strip(), type=Authenticator.Type.TOTP)
            .select_related("user")
            .first()
        )
        if authenticator is None:
            raise CommandError(f"{email}: no user with a TOTP authenticator")
        secret = decrypt(authenticator.data["secret"])
        # Never a way to read real users' codes: only the published demo secret is shown.
        if secret != DEMO_TOTP_SECRET:
            raise CommandError(f"{email}: not a demo login (its TOTP secret is not the published demo secret)")
        remaining = app_settings.TOTP_PERIOD - int(time.time()) % app_settings.TOTP_PERIOD
        self.stdout.write(current_code(secret))
        self.stderr.write(f"valid for {remaining} more seconds")
