from django.db import models
from django.utils.translation import gettext_lazy as _

from vehicles.models.vehicle import Vehicle


class VehicleCredential(models.Model):
    """The DCM's API credential: `<key_id>.<secret>`; only a hash of the secret is stored.

    Rotation issues a new credential and lets the old one live for a grace period;
    revocation ends it at once.
    """

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="credentials", verbose_name=_("vehicle"))
    key_id = models.CharField(_("key id"), max_length=24, unique=True)
    secret_hash = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("vehicle credential")
        verbose_name_plural = _("vehicle credentials")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key_id
