from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal.httpkit import is_headless_request
from allauth.headless.internal.restkit.response import ErrorResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dealers.models import Role


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up: dealer staff are invited by their company admin and owners' app
    accounts are provisioned with their customer record (README: "Accounts")."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_login(self, request, user, **kwargs):
        # The app (headless, X-Session-Token) is for car owners only. A token session never
        # passes StaffMFARequiredMiddleware, so staff logging in there would skip TOTP:
        # they use the portal. The session is dropped so no token is handed out.
        if is_headless_request(request) and getattr(user, "role", None) != Role.OWNER:
            request.session.flush()
            error = ValidationError(_("Dealer staff sign in on the dealer portal, not in the app."), code="portal_only")
            raise ImmediateHttpResponse(ErrorResponse(request, exception=error, status=403))
        return super().pre_login(request, user, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # TOTP is mandatory for dealer staff (APPI: customer data behind two factors);
        # a lost phone is reset by a platform admin in Django admin.
        if authenticator.type == Authenticator.Type.TOTP and authenticator.user.is_dealer_staff:
            return False
        return super().can_delete_authenticator(authenticator)
