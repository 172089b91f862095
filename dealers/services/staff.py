"""Staff accounts: invitations, acceptance, revocation, deactivation. Each runs in one transaction
with its audit entry."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dealers.models import DealerCompany, Invitation, Role, Store, User
from dealers.services.audit import audit_record

INVITATION_VALIDITY = timedelta(days=7)


class InvitationNotOpen(Exception):
    """An invitation link that cannot be used: reason is "unknown", "used" or "expired"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _require_company_admin(actor: User, company_id: int | None) -> None:
    if actor.role != Role.COMPANY_ADMIN or not actor.is_active or actor.company_id != company_id:
        raise PermissionDenied


@transaction.atomic
def staff_invite(
    *, company: DealerCompany, email: str, role: str, store: Store | None, invited_by: User
) -> Invitation:
    """Invite a member of staff to the company by e-mail.

    1. The inviter must be an admin of the company; the role must be company admin or store
       staff; store staff need a store of this company (a company admin gets none).
    2. An address that already has an account is refused (one account per e-mail).
    3. Earlier open invitations of the same address to this company end now (the new link wins).
    4. The invitation lives INVITATION_VALIDITY; audit entry; the mail goes out after commit.
    """
    _require_company_admin(invited_by, company.pk)
    email = User.objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    if role not in (Role.COMPANY_ADMIN, Role.STORE_STAFF):
        raise ValidationError({"role": _("Choose company admin or store staff.")})
    if role == Role.STORE_STAFF and store is None:
        raise ValidationError({"store": _("Store staff need a store.")})
    if store is not None and store.company_id != company.pk:
        raise ValidationError({"store": _("This store belongs to another company.")})
    if role == Role.COMPANY_ADMIN:
        store = None
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("This e-mail address already has an account.")})
    now = timezone.now()
    Invitation.objects.filter(company=company, email=email, accepted_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    invitation = Invitation.objects.create(
        company=company, email=email, role=role, store=store, invited_by=invited_by,
        expires_at=now + INVITATION_VALIDITY,
    )
    audit_record(
        action="staff.invite", target=invitation, actor=invited_by, company=company,
        email=email, role=role, store_id=store.pk if store else None,
    )
    # robust: a mail server failure is logged and does not turn the saved invitation into a
    # 500; the admin sees it pending and can invite again.
    transaction.on_commit(lambda: invitation_send_mail(invitation=invitation), robust=True)
    return invitation


def invitation_link(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("dealers:invitation_accept", kwargs={"token": invitation.token})


def invitation_send_mail(*, invitation: Invitation) -> None:
    """One mail, Japanese first and English second: we do not know the invitee's language."""
    context = {
        "company": invitation.company,
        "store": invitation.store,
        "role": invitation.get_role_display,
        "inviter": invitation.invited_by,
        "link": invitation_link(invitation),
        "expires_at": invitation.expires_at,
    }
    subject = " / ".join(dict.fromkeys(
        _render_in(lang, "dealers/email/invitation_subject.txt", context).strip() for lang in ("ja", "en")
    ))
    text = "\n\n----------\n\n".join(
        _render_in(lang, "dealers/email/invitation_message.txt", context) for lang in ("ja", "en")
    )
    parts = "<hr>".join(_render_in(lang, "dealers/email/invitation_message.html", context) for lang in ("ja", "en"))
    html = f"<!doctype html><html><body>{parts}</body></html>"
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()


def _render_in(language: str, template: str, context: dict) -> str:
    with translation.override(language):
        return render_to_string(template, context)


@transaction.atomic
def invitation_accept(*, token: str, password: str, name: str) -> User:
    """Turn an open invitation into a staff account.

    1. Lock the invitation; unknown, used or expired links raise InvitationNotOpen.
    2. Validate the name and the password (Django's validators, against this user).
    3. Refuse when the address got an account meanwhile; create the user with the role,
       company and store of the invitation and its e-mail marked verified (the link proved it).
    4. Mark the invitation accepted; audit entries for both. TOTP set-up follows on first use.
    """
    invitation = Invitation.objects.select_for_update().filter(token=token).first() if token else None
    if invitation is None:
        raise InvitationNotOpen("unknown")
    if invitation.accepted_at is not None:
        raise InvitationNotOpen("used")
    if invitation.expires_at <= timezone.now():
        raise InvitationNotOpen("expired")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter your name.")})
    candidate = User(email=invitation.email, name=name, role=invitation.role)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None
    account_exists = ValidationError(
        _("An account with this e-mail address already exists. Sign in instead."), code="account_exists"
    )
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise account_exists
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=invitation.email, password=password, name=name, role=invitation.role,
                company_id=invitation.company_id, store_id=invitation.store_id,
            )
    except IntegrityError:
        # Created by a concurrent request between the check and the insert.
        raise account_exists from None
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(action="invitation.accept", target=invitation, actor=user, company=invitation.company_id)
    audit_record(
        action="staff.join", target=user, actor=user, company=invitation.company_id,
        role=user.role, store_id=user.store_id, invitation_id=invitation.pk,
    )
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> bool:
    """End an open invitation now; True when it was still open."""
    _require_company_admin(actor, invitation.company_id)
    now = timezone.now()
    ended = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    if ended:
        invitation.expires_at = now
        audit_record(action="invitation.revoke", target=invitation, actor=actor, company=invitation.company_id)
    return bool(ended)


@transaction.atomic
def staff_deactivate(*, member: User, actor: User) -> bool:
    """Deactivate a member of staff of the actor's company; True when it changed.

    An inactive user cannot log in, and the auth backends drop their open sessions on the
    next request. Admins cannot deactivate themselves (the company keeps an admin).
    """
    _require_company_admin(actor, member.company_id)
    if member.role not in (Role.COMPANY_ADMIN, Role.STORE_STAFF):
        raise PermissionDenied
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."), code="self")
    changed = User.objects.filter(pk=member.pk, is_active=True).update(is_active=False)
    member.is_active = False
    if changed:
        audit_record(action="staff.deactivate", target=member, actor=actor, company=member.company_id)
    return bool(changed)
