from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany, Store
from vehicles.models.customers import Customer


class VehicleClass(models.TextChoices):
    """Drives shaken validity and periodic inspection intervals (domain §2, §3)."""

    PASSENGER = "passenger", _("Passenger car (regular/small)")
    KEI_PASSENGER = "kei_passenger", _("Kei passenger car")
    KEI_FREIGHT = "kei_freight", _("Kei freight")
    FREIGHT_SMALL = "freight_small", _("Freight under 8 t")
    FREIGHT_LARGE = "freight_large", _("Freight 8 t or more")
    BUS = "bus", _("Bus (11+ seats)")
    SPECIAL = "special", _("Special purpose (8-plate)")


class VehicleUse(models.TextChoices):
    PRIVATE = "private", _("Private (自家用)")
    COMMERCIAL = "commercial", _("Commercial (事業用)")
    RENTAL = "rental", _("Rental (わ/れ)")


class Equipment(models.TextChoices):
    """How the car talks to us: a T-Connect navigation unit, a DCM only, or nothing."""

    NAVI = "navi", _("T-Connect navigation")
    DCM_ONLY = "dcm_only", _("DCM only")
    NONE = "none", _("Not connected")


class ShakenExpirySource(models.TextChoices):
    """Where a car's current shaken expiry came from."""

    UNKNOWN = "", _("Unknown")
    CERTIFICATE = "certificate", _("Inspection certificate")
    SERVICE_RECORD = "service_record", _("Computed from a service record")


class Vehicle(models.Model):
    company = models.ForeignKey(DealerCompany, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("company"))
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="vehicles", verbose_name=_("owner")
    )
    chassis_number = models.CharField(_("chassis number"), max_length=20, unique=True)
    model_code = models.CharField(_("model code (型式)"), max_length=20, db_index=True)
    car_name = models.CharField(_("car name"), max_length=60)
    # The plate changes when owners move: shown and searched, never a key.
    plate_region = models.CharField(_("plate: place"), max_length=8, blank=True)
    plate_class = models.CharField(_("plate: class number"), max_length=3, blank=True)
    plate_kana = models.CharField(_("plate: kana"), max_length=1, blank=True)
    plate_serial = models.PositiveSmallIntegerField(_("plate: number"), null=True, blank=True)
    plate_display = models.CharField(_("plate"), max_length=32, blank=True)
    # Normalised search key: the four parts without spaces or dots, e.g. 品川330さ1234.
    plate_search = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    vehicle_class = models.CharField(_("vehicle class"), max_length=16, choices=VehicleClass.choices, default=VehicleClass.PASSENGER)
    use = models.CharField(_("use"), max_length=12, choices=VehicleUse.choices, default=VehicleUse.PRIVATE)
    first_registration_year = models.PositiveSmallIntegerField(
        _("first registration year"), null=True, blank=True, validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    first_registration_month = models.PositiveSmallIntegerField(
        _("first registration month"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    # The certificate's date is the authority (MLIT extends validity sometimes): never recomputed.
    shaken_expiry = models.DateField(_("shaken expiry"), null=True, blank=True, db_index=True)
    # Where that date came from: the certificate, or computed from a shaken recorded at a store
    # (vehicles.services.service_records). A later certificate import wins.
    shaken_expiry_source = models.CharField(
        _("shaken expiry from"), max_length=16, choices=ShakenExpirySource.choices, blank=True, default="", db_default=""
    )
    remarks = models.TextField(_("remarks (備考)"), blank=True)
    obd_inspection_target = models.BooleanField(_("OBD検査対象"), default=False)
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), null=True, blank=True)
    equipment = models.CharField(_("equipment"), max_length=10, choices=Equipment.choices, default=Equipment.NAVI)
    navi_paired = models.BooleanField(_("navigation paired with a phone"), default=False)
    # Current remote-maintenance store; history lives in StoreRegistration.
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="vehicles", verbose_name=_("remote-maintenance store")
    )
    third_party_obd_device = models.BooleanField(_("third-party OBD-II device detected"), default=False)
    # Its DCM sent telemetry with another car's VIN (DCM moved to another car?): the batches were
    # refused (409, nothing stored) and the dealer sees this until it is cleared in the admin.
    dcm_vin_mismatch = models.CharField(
        _("VIN of another car sent by its DCM"), max_length=17, blank=True, default="", db_default=""
    )
    dcm_vin_mismatch_at = models.DateTimeField(_("another car's VIN last sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["store", "shaken_expiry"], name="vehicle_store_expiry_idx"),
            # A company's cars by expiry (due-month list, lapsing soon); with the id, counting
            # them against their bookings needs no visit to the table.
            models.Index(fields=["company", "shaken_expiry", "id"], name="vehicle_company_expiry_idx"),
            # Rows that reach a car (recall targets, notices, replies) are scoped to a company or
            # store through it: this answers that join from the index alone (recall completion
            # over 10,000 targets: 31 ms instead of 150 ms).
            models.Index(fields=["id"], include=["company", "store"], name="vehicle_scope_idx"),
            models.Index(fields=["company", "model_code"], name="vehicle_company_model_idx"),
            # Staff search (vehicles.selectors.search): partial plate / chassis input, serial on the plate.
            GinIndex(OpClass("plate_search", name="gin_trgm_ops"), name="vehicle_plate_trgm_idx"),
            GinIndex(OpClass("chassis_number", name="gin_trgm_ops"), name="vehicle_chassis_trgm_idx"),
            models.Index(fields=["company", "plate_serial"], name="vehicle_company_serial_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="vehicle_first_registration_month_range",
                condition=Q(first_registration_month__isnull=True) | Q(first_registration_month__gte=1, first_registration_month__lte=12),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.car_name} {self.chassis_number}"

    @property
    def first_registration_display(self) -> str:
        if self.first_registration_year and self.first_registration_month:
            return f"{self.first_registration_year}-{self.first_registration_month:02d}"
        return ""
