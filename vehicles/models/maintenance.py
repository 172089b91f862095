"""Condition-based maintenance (issue 11 §3): the company's menu of interval items, each car's
driving pace, and each car's next due date per item.

The menu is data the company admins edit (defaults seeded per company). Pace and due dates are
derived state, rewritten set-based by `vehicles.services.maintenance.maintenance_refresh` before
the daily run's scans; nothing writes them per car.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany
from vehicles.models.vehicle import Vehicle


class MaintenanceItem(models.Model):
    """One line of a company's maintenance menu: an item and its interval (km and/or months).

    `code` names the work item of a service record (vehicles.models.service_records), which is
    how "last done" is found. Severe use (short trips, dusty roads, towing) has its own, shorter
    interval where the dealer sets one.
    """

    company = models.ForeignKey(
        DealerCompany, on_delete=models.CASCADE, related_name="maintenance_items", verbose_name=_("company")
    )
    code = models.SlugField(_("code"), max_length=32, help_text=_("The work item of a service record, e.g. engine_oil."))
    name_ja = models.CharField(_("name (Japanese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    interval_km = models.PositiveIntegerField(
        _("every N km"), null=True, blank=True, validators=[MinValueValidator(500), MaxValueValidator(500_000)]
    )
    interval_months = models.PositiveSmallIntegerField(
        _("every N months"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    severe_interval_km = models.PositiveIntegerField(
        _("severe use: every N km"), null=True, blank=True, validators=[MinValueValidator(500), MaxValueValidator(500_000)]
    )
    severe_interval_months = models.PositiveSmallIntegerField(
        _("severe use: every N months"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    battery_trend = models.BooleanField(
        _("also due when the 12 V battery trend says replace"), default=False, db_default=False,
    )
    active = models.BooleanField(_("in use"), default=True, db_default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0, db_default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("maintenance menu item")
        verbose_name_plural = _("maintenance menu items")
        ordering = ["company", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="maintenance_item_code_once"),
            models.CheckConstraint(
                name="maintenance_item_has_interval",
                condition=Q(interval_km__isnull=False) | Q(interval_months__isnull=False) | Q(battery_trend=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}:{self.code}"

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_ja


class PaceBasis(models.TextChoices):
    """Why a car's distance-based due dates are (or are not) projected from its pace."""

    OK = "ok", _("Projected from the car's pace")
    NO_TELEMETRY = "no_telemetry", _("No odometer data from the car")
    TOO_LITTLE = "too_little", _("Less than 14 days of odometer data")
    STALE = "stale", _("Odometer data more than 3 days old")
    ODOMETER_RESET = "odometer_reset", _("Odometer went backwards: pace restarted")


class VehicleMaintenance(models.Model):
    """A car's driving pace (average km per day over the last 90 days of telemetry) and flags."""

    vehicle = models.OneToOneField(
        Vehicle, on_delete=models.CASCADE, primary_key=True, related_name="maintenance", verbose_name=_("vehicle")
    )
    basis = models.CharField(_("pace basis"), max_length=16, choices=PaceBasis.choices, default=PaceBasis.NO_TELEMETRY)
    km_per_day = models.DecimalField(_("km per day"), max_digits=7, decimal_places=1, null=True, blank=True)
    first_at = models.DateTimeField(_("first reading used"), null=True, blank=True)
    last_at = models.DateTimeField(_("last reading used"), null=True, blank=True)
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), null=True, blank=True)
    # A reading lower than an earlier one (meter or DCM replaced): the pace counts only readings
    # after this time, and the dealer sees the flag until they clear it in the admin.
    odometer_reset_at = models.DateTimeField(_("odometer went backwards at"), null=True, blank=True)
    odometer_reset_flagged = models.BooleanField(_("odometer reset to check"), default=False, db_default=False)
    severe_use = models.BooleanField(
        _("severe use"), default=False, db_default=False, help_text=_("Use the menu's severe-use intervals for this car."),
    )
    battery_replace = models.BooleanField(_("12 V battery trend says replace"), default=False, db_default=False)
    refreshed_on = models.DateField(_("refreshed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("vehicle maintenance state")
        verbose_name_plural = _("vehicle maintenance states")

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.basis} {self.km_per_day}"


class DueBasis(models.TextChoices):
    TIME = "time", _("Time since last done")
    DISTANCE = "distance", _("Projected distance")
    TREND = "trend", _("Battery trend")


class DueAnchor(models.TextChoices):
    RECORD = "record", _("Service record")
    NONE = "none", _("No service record")


class MaintenanceDue(models.Model):
    """The next due date of one menu item for one car (the earlier of time and distance)."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="maintenance_due", verbose_name=_("vehicle"),
                                db_index=False)
    item = models.ForeignKey(MaintenanceItem, on_delete=models.CASCADE, related_name="+", verbose_name=_("item"))
    due_on = models.DateField(_("due on"))
    basis = models.CharField(_("computed from"), max_length=12, choices=DueBasis.choices)
    due_km = models.PositiveIntegerField(_("due at km"), null=True, blank=True)
    anchor = models.CharField(_("last done from"), max_length=16, choices=DueAnchor.choices)
    anchor_on = models.DateField(_("last done on"), null=True, blank=True)
    anchor_km = models.PositiveIntegerField(_("last done at km"), null=True, blank=True)
    refreshed_on = models.DateField(_("refreshed on"))

    class Meta:
        verbose_name = _("maintenance due date")
        verbose_name_plural = _("maintenance due dates")
        ordering = ["vehicle", "due_on"]
        constraints = [models.UniqueConstraint(fields=["vehicle", "item"], name="maintenance_due_once")]
        # The daily scan and Today's list: cars with an item due by a date.
        indexes = [models.Index(fields=["due_on", "vehicle"], name="maintenance_due_on_idx")]

    def __str__(self) -> str:
        return f"{self.vehicle_id}:{self.item_id} {self.due_on}"
