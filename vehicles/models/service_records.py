"""Service records (整備記録): what was done to a car at a visit, and the odometer then.

A visit is one `ServiceRecord` per car and day (the unique constraint makes a double submit,
or the same visit arriving by the portal and by a DMS import, one record); what was done is
one `ServiceRecordItem` row per work item. Items carry their car, date and odometer, so "when
and at what distance was item X last done on each car" is one DISTINCT ON over the
(vehicle, item, performed_on) index (vehicles.selectors.service_records), usable from the
daily refresh's SQL.

Written only through vehicles.services.service_records, which applies what a record changes
(shaken expiry, recall target, periodic inspection) in the same transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealers.models import DealerCompany, Store
from vehicles.models.appointments import Appointment
from vehicles.models.recalls import RecallCampaign
from vehicles.models.vehicle import Vehicle


class ServiceItem(models.TextChoices):
    """Work items. Codes are stable: menus (maintenance intervals) and imports refer to them."""

    SHAKEN = "shaken", pgettext_lazy("service item", "Shaken")
    INSPECTION_12M = "inspection_12m", _("12-month inspection")
    INSPECTION_24M = "inspection_24m", _("24-month inspection")
    INSPECTION_6M = "inspection_6m", _("6-month inspection")
    INSPECTION_3M = "inspection_3m", _("3-month inspection")
    # The company's own inspections (new-car 1-month, プロケア10 …): named in `label`.
    COMPANY_INSPECTION = "company_inspection", _("Dealer inspection")
    RECALL = "recall", _("Recall work")
    ENGINE_OIL = "engine_oil", _("Engine oil")
    OIL_FILTER = "oil_filter", _("Oil filter")
    BATTERY_12V = "battery_12v", _("12 V battery")
    SMART_KEY_BATTERY = "smart_key_battery", _("Smart-key battery")
    TYRES = "tyres", _("Tyres")
    BRAKE_FLUID = "brake_fluid", _("Brake fluid")
    OTHER = "other", _("Other")


# Items that make a periodic inspection (定期点検) done; a shaken includes the 24-month one.
PERIODIC_ITEMS = (
    ServiceItem.SHAKEN, ServiceItem.INSPECTION_12M, ServiceItem.INSPECTION_24M,
    ServiceItem.INSPECTION_6M, ServiceItem.INSPECTION_3M,
)  # fmt: skip
# Items whose `label` says what was done (required).
LABELLED_ITEMS = (ServiceItem.COMPANY_INSPECTION, ServiceItem.OTHER)


class ServiceRecordSource(models.TextChoices):
    PORTAL = "portal", _("Portal (walk-in)")
    APPOINTMENT = "appointment", _("Completed appointment")
    IMPORT = "import", _("DMS import")
    API = "api", _("API")
    ADMIN = "admin", _("Admin")


class ServiceRecord(models.Model):
    company = models.ForeignKey(DealerCompany, on_delete=models.PROTECT, related_name="service_records", verbose_name=_("company"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="service_records", verbose_name=_("store"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="service_records", verbose_name=_("vehicle"),
                                db_index=False)  # the (vehicle, performed_on) unique index leads with it
    performed_on = models.DateField(_("performed on"))  # a business date, Asia/Tokyo
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), null=True, blank=True)
    # The meter (or the DCM) was replaced at this visit: a lower reading than before is expected.
    meter_replaced = models.BooleanField(_("meter replaced"), default=False)
    source = models.CharField(_("source"), max_length=12, choices=ServiceRecordSource.choices)
    external_id = models.CharField(_("external id"), max_length=64, blank=True, default="")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="service_record", verbose_name=_("appointment")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    note = models.TextField(_("note"), blank=True, default="")
    # A shaken item: the expiry before, the one the law gives (vehicles.parsing.shaken.next_expiry)
    # and whether it became the car's expiry (not when the car's expiry was already later).
    shaken_expiry_before = models.DateField(_("shaken expiry before"), null=True, blank=True)
    shaken_expiry_computed = models.DateField(_("shaken expiry computed"), null=True, blank=True)
    shaken_expiry_applied = models.BooleanField(_("expiry rolled forward"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-performed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle", "performed_on"], name="service_record_one_visit_per_day"),
            models.UniqueConstraint(
                fields=["company", "external_id"], condition=~Q(external_id=""), name="service_record_external_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["store", "-performed_on"], name="service_record_store_day_idx")]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.performed_on}"


class ServiceRecordItem(models.Model):
    """One work item of a visit; car, date and odometer copied from the record for the
    per-item "last done" index."""

    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE, related_name="items", verbose_name=_("service record"),
                               db_index=False)  # the unique index leads with it
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="+", verbose_name=_("vehicle"), db_index=False)
    item = models.CharField(_("item"), max_length=24, choices=ServiceItem.choices)
    recall_campaign = models.ForeignKey(
        RecallCampaign, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recall campaign")
    )
    label = models.CharField(_("what was done"), max_length=100, blank=True, default="")
    performed_on = models.DateField(_("performed on"))
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), null=True, blank=True)

    class Meta:
        verbose_name = _("service record item")
        verbose_name_plural = _("service record items")
        ordering = ["record_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "item", "recall_campaign", "label"], nulls_distinct=False, name="service_item_once_per_visit"
            ),
            models.CheckConstraint(
                name="service_item_recall_has_campaign",
                condition=Q(item="recall", recall_campaign__isnull=False) | (~Q(item="recall") & Q(recall_campaign__isnull=True)),
            ),
            models.CheckConstraint(name="service_item_valid", condition=Q(item__in=ServiceItem.values)),
        ]
        indexes = [
            # "Last done" per car and item: DISTINCT ON (vehicle, item) … ORDER BY performed_on DESC.
            models.Index(fields=["vehicle", "item", "-performed_on"], include=["odometer_km"], name="service_item_last_done_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.item}"
