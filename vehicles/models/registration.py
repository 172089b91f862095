from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealers.models import Store
from vehicles.models.vehicle import Vehicle


class StoreRegistration(models.Model):
    """History of a vehicle's remote-maintenance store (リモートメンテナンス店舗). One open row at most."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("vehicle"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("store"))
    registered_at = models.DateTimeField(_("registered at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("registered by")
    )

    class Meta:
        verbose_name = _("store registration")
        verbose_name_plural = _("store registrations")
        ordering = ["vehicle_id", "-registered_at"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle"], condition=Q(ended_at__isnull=True), name="registration_one_open_per_vehicle")
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id} → {self.store_id}"
