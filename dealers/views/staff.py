"""Staff pages of a company admin (/staff/…) and the invitation link (/invite/<token>/)."""

from __future__ import annotations

from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dealers.forms.staff import InvitationAcceptForm, StaffInviteForm
from dealers.selectors.access import admin_company
from dealers.selectors.staff import (
    invitation_get_by_token,
    invitation_get_pending_for_admin,
    invitation_is_open,
    invitations_pending_for_admin,
    staff_for_admin,
    staff_member_get,
)
from dealers.services.staff import (
    InvitationNotOpen,
    invitation_accept,
    invitation_revoke,
    staff_deactivate,
    staff_invite,
)

_LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


@login_required
def staff_list(request):
    company = admin_company(request.user)
    context = {
        "company": company,
        "staff": staff_for_admin(request.user),
        "invitations": invitations_pending_for_admin(request.user),
    }
    return render(request, "dealers/staff_list.html", context)


@login_required
def staff_invite_view(request):
    company = admin_company(request.user)
    form = StaffInviteForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = staff_invite(company=company, invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("dealers:staff")
    return render(request, "dealers/staff_invite.html", {"form": form, "company": company})


@login_required
def staff_deactivate_view(request, user_id: int):
    member = staff_member_get(request.user, user_id)  # 404 outside the admin's company
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        changed = staff_deactivate(member=member, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if changed:
            messages.success(request, _("%(name)s can no longer sign in.") % {"name": member})
    return redirect("dealers:staff")


@login_required
def invitation_revoke_view(request, invitation_id: int):
    invitation = invitation_get_pending_for_admin(request.user, invitation_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if invitation_revoke(invitation=invitation, actor=request.user):
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("dealers:staff")


def invitation_accept_view(request, token: str):
    """Public by design: the e-mailed token is the capability. Dead links get a clear page."""
    invitation = invitation_get_by_token(token)
    if invitation is None:
        return _invitation_invalid(request, "unknown")
    if not invitation_is_open(invitation):
        return _invitation_invalid(request, "used" if invitation.accepted_at else "expired")
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token, password=form.cleaned_data["password"], name=form.cleaned_data["name"]
            )
        except InvitationNotOpen as error:
            return _invitation_invalid(request, error.reason)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend=_LOGIN_BACKEND)
            # The password was entered in this very request: count it as a fresh confirmation so
            # the TOTP set-up that follows does not ask for it again.
            reauthenticate_by_password(request)
            messages.success(request, _("Welcome! Now set up two-factor authentication."))
            return redirect("mfa_activate_totp")
    context = {"form": form, "invitation": invitation}
    return render(request, "dealers/invitation_accept.html", context)


def _invitation_invalid(request, reason: str):
    status = 404 if reason == "unknown" else 410
    return render(request, "dealers/invitation_invalid.html", {"reason": reason}, status=status)
