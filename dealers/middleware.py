from allauth.mfa.models import Authenticator
from django.shortcuts import redirect

# Paths a staff member without MFA may still reach: the MFA set-up itself, logout, static.
_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/_allauth/", "/invite/")


class StaffMFARequiredMiddleware:
    """Dealer staff must have TOTP before they see any customer data (APPI)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_dealer_staff
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and not request.session.get("mfa_ok")
        ):
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                return redirect("mfa_activate_totp")
            request.session["mfa_ok"] = True
        return self.get_response(request)
