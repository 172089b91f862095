from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vehicles.models.vehicle import Equipment, Vehicle


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class Contract(models.Model):
    """The car's T-Connect contract and which services it includes."""

    vehicle = models.OneToOneField(Vehicle, on_delete=models.CASCADE, related_name="contract", verbose_name=_("vehicle"))
    status = models.CharField(_("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    remote_maintenance = models.BooleanField(_("Remote Maintenance Mail"), default=True)
    ecare = models.BooleanField(_("e-Care"), default=True)

    class Meta:
        verbose_name = _("T-Connect contract")
        verbose_name_plural = _("T-Connect contracts")
        constraints = [
            models.CheckConstraint(
                name="contract_term_ordered", condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.status}"


class ServiceAvailability(models.Model):
    """Which services a model offers with a given equipment ("available services differ by
    model and navigation unit"). model_code "*" is the default for models without a row."""

    model_code = models.CharField(_("model code"), max_length=20, help_text=_("Exact model code, or * for any model."))
    equipment = models.CharField(_("equipment"), max_length=10, choices=Equipment.choices)
    remote_maintenance = models.BooleanField(_("Remote Maintenance Mail"), default=True)
    ecare = models.BooleanField(_("e-Care"), default=False)

    class Meta:
        verbose_name = _("service availability")
        verbose_name_plural = _("service availability")
        ordering = ["model_code", "equipment"]
        constraints = [models.UniqueConstraint(fields=["model_code", "equipment"], name="availability_one_per_model_equipment")]

    def __str__(self) -> str:
        return f"{self.model_code}/{self.equipment}"
