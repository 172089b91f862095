import secrets
from typing import ClassVar

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealers.models.company import CallCenterDesk, DealerCompany, Store


class Role(models.TextChoices):
    COMPANY_ADMIN = "company_admin", _("Dealer company admin")
    STORE_STAFF = "store_staff", _("Store staff")
    CALL_CENTER = "call_center", _("Call-center agent")
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")
    OWNER = "owner", _("Car owner")


STAFF_ROLES = {Role.COMPANY_ADMIN, Role.STORE_STAFF, Role.CALL_CENTER}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True, role=Role.PLATFORM_ADMIN)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """Everyone who logs in: dealer staff, call-center agents, platform admins and car owners.

    The role decides the tenant scope (see dealers.selectors.access): a company admin sees the company,
    store staff their store, a call-center agent the companies its desk serves (warnings only).
    """

    # Removing inherited fields by setting them to None is Django's documented way; the
    # stubs only know them as CharFields.
    username = first_name = last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OWNER)
    company = models.ForeignKey(
        DealerCompany, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("company")
    )
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("store"))
    desk = models.ForeignKey(
        CallCenterDesk, on_delete=models.PROTECT, null=True, blank=True, related_name="agents", verbose_name=_("call-center desk")
    )
    language = models.CharField(_("language"), max_length=5, choices=[("ja", "日本語"), ("en", "English")], default="ja")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    # A BaseUserManager (no username): the stubs expect AbstractUser's username-based UserManager.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_role_has_its_tenant",
                condition=(
                    Q(role="company_admin", company__isnull=False)
                    | Q(role="store_staff", company__isnull=False, store__isnull=False)
                    | Q(role="call_center", desk__isnull=False)
                    | Q(role__in=["platform_admin", "owner"])
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def is_dealer_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def requires_second_factor(self) -> bool:
        """Dealer staff (customer data) and anyone who reaches Django admin (every tenant's
        data) work only in a session that passed TOTP (dealers.middleware)."""
        return self.role in STAFF_ROLES or self.is_staff


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """A company admin invites staff by e-mail; the link lets them set a password, then MFA."""

    company = models.ForeignKey(DealerCompany, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("company"))
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=[(r.value, r.label) for r in (Role.COMPANY_ADMIN, Role.STORE_STAFF)])
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("store"))
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email
