"""Telemetry from the car's DCM: readings, batches, latest state, warnings, code meanings.

TelemetryReading lives in a PostgreSQL table range-partitioned by recorded_at (one partition
per UTC month), created by hand-written SQL in migration 0003; the model is `managed = False`
because Django's schema editor can neither create a partitioned table nor a primary key that
includes the partition key, and an unmanaged model keeps makemigrations from ever emitting
ALTERs that would fight that DDL. Changes to the table are written as RunSQL migrations.
Old data goes by dropping whole partitions (vehicles.services.telemetry_storage), which is
instant and leaves no bloat, unlike DELETE.
"""

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vehicles.models.vehicle import Vehicle
from vehicles.parsing.telemetry_vocabulary import code_kind


class SmartKeyBattery(models.TextChoices):
    OK = "ok", _("OK")
    LOW = "low", _("Low")
    UNKNOWN = "unknown", _("Unknown")


class OilLevel(models.TextChoices):
    OK = "ok", _("OK")
    LOW = "low", _("Low")
    UNKNOWN = "unknown", _("Unknown")


class WarningKind(models.TextChoices):
    DTC = "dtc", _("Diagnostic trouble code")
    LAMP = "lamp", _("Warning lamp")
    THIRD_PARTY_DEVICE = "third_party_device", _("Third-party OBD-II device")


class Severity(models.TextChoices):
    STOP_NOW = "stop_now", _("Stop now")
    SEE_DEALER_SOON = "see_dealer_soon", _("See the dealer soon")
    INFO = "info", _("Information")


class TelemetryBatch(models.Model):
    """One upload from the DCM. The message id makes resends harmless: a second POST with
    the same id finds this row and returns its original result without storing anything."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="telemetry_batches", verbose_name=_("vehicle"))
    message_id = models.CharField(_("message id"), max_length=64)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    accepted = models.PositiveIntegerField(_("readings accepted"))

    class Meta:
        verbose_name = _("telemetry batch")
        verbose_name_plural = _("telemetry batches")
        constraints = [models.UniqueConstraint(fields=["vehicle", "message_id"], name="telemetry_batch_message_once")]

    def __str__(self) -> str:
        return f"{self.vehicle_id}/{self.message_id}"


class TelemetryReading(models.Model):
    """One reading. Partitioned by month; written only with COPY (services.telemetry)."""

    # An identity column; in the database the primary key is (id, recorded_at), because a
    # partitioned table's unique keys must contain the partition key. Ids are unique anyway.
    id = models.BigIntegerField(primary_key=True)
    # No database foreign keys: a per-row check on every COPY costs more than it protects,
    # and rows leave by dropping partitions, never one by one.
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name=_("vehicle")
    )
    batch = models.ForeignKey(
        TelemetryBatch, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name=_("batch")
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    received_at = models.DateTimeField(_("received at"))
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), null=True)
    battery_voltage = models.DecimalField(_("12 V battery (V)"), max_digits=4, decimal_places=2, null=True)
    smart_key_battery = models.CharField(_("smart key battery"), max_length=8, choices=SmartKeyBattery.choices)
    oil_level = models.CharField(_("engine oil level"), max_length=8, choices=OilLevel.choices)
    oil_level_percent = models.PositiveSmallIntegerField(_("engine oil level (%)"), null=True)
    lamps = ArrayField(models.CharField(max_length=32), verbose_name=_("warning lamps on"), default=list)
    dtcs_stored = ArrayField(models.CharField(max_length=5), verbose_name=_("stored DTCs"), default=list)
    dtcs_pending = ArrayField(models.CharField(max_length=5), verbose_name=_("pending DTCs"), default=list)
    third_party_device = models.BooleanField(_("third-party OBD-II device"), default=False)

    class Meta:
        managed = False
        db_table = "vehicles_telemetryreading"
        verbose_name = _("telemetry reading")
        verbose_name_plural = _("telemetry readings")

    def __str__(self) -> str:
        return f"{self.vehicle_id}@{self.recorded_at:%Y-%m-%dT%H:%M:%S}"


class TelemetryDay(models.Model):
    """Each car's readings rolled up per business day (Asia/Tokyo): the odometer's first and last
    reading and its range, and the median of the resting 12 V battery readings. The daily
    maintenance refresh reads these (90 rows a car) instead of the minute readings
    (vehicles.services.telemetry_storage.telemetry_days_roll writes them, set-based)."""

    # No database foreign key, as for the readings: rows go by day, never one by one.
    vehicle = models.ForeignKey(Vehicle, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                                verbose_name=_("vehicle"))  # fmt: skip
    day = models.DateField(_("day"))  # a business date, Asia/Tokyo
    first_at = models.DateTimeField(_("first odometer reading at"), null=True)
    last_at = models.DateTimeField(_("last odometer reading at"), null=True)
    min_km = models.PositiveIntegerField(_("lowest odometer (km)"), null=True)
    max_km = models.PositiveIntegerField(_("highest odometer (km)"), null=True)
    battery_median = models.FloatField(_("median resting 12 V battery (V)"), null=True)

    class Meta:
        verbose_name = _("telemetry day")
        verbose_name_plural = _("telemetry days")
        # Day first: each day's rows are appended at the end of the key (no page split anywhere
        # in it), and a window of days is one range of it. (An id as the primary key: the admin
        # cannot show a composite one.)
        constraints = [models.UniqueConstraint(fields=["day", "vehicle"], name="telemetry_day_once")]

    def __str__(self) -> str:
        return f"{self.vehicle_id}@{self.day}"


class TelemetryDayStale(models.Model):
    """A day already rolled up that got a late reading (a DCM uploading what it buffered): the
    next roll-up recomputes that car's day from its readings and removes the mark."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
                                verbose_name=_("vehicle"))  # fmt: skip
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("stale telemetry day")
        verbose_name_plural = _("stale telemetry days")
        constraints = [models.UniqueConstraint(fields=["vehicle", "day"], name="telemetry_day_stale_once")]

    def __str__(self) -> str:
        return f"{self.vehicle_id}@{self.day}"


class VehicleState(models.Model):
    """The latest reported values per car, for quick reads (one upsert per batch).

    Only moves forward in time: a late batch with older readings is stored but does not
    change this row. Measurements missing from the newest reading keep their last value.
    """

    vehicle = models.OneToOneField(
        Vehicle, on_delete=models.CASCADE, primary_key=True, related_name="telemetry_state", verbose_name=_("vehicle")
    )
    last_recorded_at = models.DateTimeField(_("latest reading at"))
    updated_at = models.DateTimeField(_("updated at"))
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), null=True)
    battery_voltage = models.DecimalField(_("12 V battery (V)"), max_digits=4, decimal_places=2, null=True)
    smart_key_battery = models.CharField(_("smart key battery"), max_length=8, choices=SmartKeyBattery.choices)
    oil_level = models.CharField(_("engine oil level"), max_length=8, choices=OilLevel.choices)
    oil_level_percent = models.PositiveSmallIntegerField(_("engine oil level (%)"), null=True)
    lamps = ArrayField(models.CharField(max_length=32), verbose_name=_("warning lamps on"), default=list)
    dtcs_stored = ArrayField(models.CharField(max_length=5), verbose_name=_("stored DTCs"), default=list)
    dtcs_pending = ArrayField(models.CharField(max_length=5), verbose_name=_("pending DTCs"), default=list)
    third_party_device = models.BooleanField(_("third-party OBD-II device"), default=False)
    vin = models.CharField(_("VIN reported by the car"), max_length=17, blank=True)

    class Meta:
        verbose_name = _("vehicle state")
        verbose_name_plural = _("vehicle states")

    def __str__(self) -> str:
        return f"{self.vehicle_id}@{self.last_recorded_at:%Y-%m-%dT%H:%M:%S}"


class VehicleWarning(models.Model):
    """A warning is a state change: opened when a code first appears, closed when it is gone.

    The partial unique constraint lets at most one open warning exist per code, so batches
    racing each other cannot open the same warning twice (INSERT … ON CONFLICT DO NOTHING).
    """

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="warnings", verbose_name=_("vehicle"))
    code = models.CharField(_("code"), max_length=40, help_text=_("A DTC such as P0300, or lamp:<lamp>."))
    kind = models.CharField(_("kind"), max_length=20, choices=WarningKind.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    opened_batch = models.ForeignKey(
        TelemetryBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("opened by batch")
    )
    closed_batch = models.ForeignKey(
        TelemetryBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("closed by batch")
    )

    class Meta:
        verbose_name = _("vehicle warning")
        verbose_name_plural = _("vehicle warnings")
        ordering = ["-opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle", "code"], condition=Q(closed_at__isnull=True), name="warning_one_open_per_code"
            ),
            models.CheckConstraint(
                name="warning_closed_after_opened", condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("opened_at"))
            ),
        ]
        indexes = [models.Index(fields=["vehicle", "-opened_at"], name="warning_vehicle_opened_idx")]
        # The warning-notice catch-up scan (notifications.services.warning_notices): recent warnings.
        indexes += [models.Index(fields=["opened_at"], name="warning_opened_idx")]

    def __str__(self) -> str:
        return f"{self.vehicle_id}:{self.code}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class DiagnosticCode(models.Model):
    """What a DTC or lamp means and what to tell the driver; admins edit it (domain §7).

    Standard P0/U codes without a row fall back to python-obd's descriptions
    (vehicles.selectors.telemetry.diagnostic_code_describe); B/C, maker-specific P1 codes and
    the lamps need a row here.
    """

    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("A DTC such as B1000, or lamp:<lamp>."))
    kind = models.CharField(_("kind"), max_length=20, choices=WarningKind.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, default=Severity.SEE_DEALER_SOON)
    description_ja = models.CharField(_("description (Japanese)"), max_length=200, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=200, blank=True)
    advice_ja = models.TextField(_("advice to the driver (Japanese)"), blank=True)
    advice_en = models.TextField(_("advice to the driver (English)"), blank=True)
    # Staff-only: an open DTC with this flag on an OBD検査対象 car may fail the OBD check at
    # shaken (the pass/fail list is the maker's, on NALTEC's server: domain §2). Never shown to owners.
    obd_check_related = models.BooleanField(
        _("safety/emissions related (OBD check)"), default=False, db_default=False,
        help_text=_("Dealers see \"may fail the OBD check, verify at intake\" for OBD検査対象 cars with this code open."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("diagnostic code")
        verbose_name_plural = _("diagnostic codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        self.code = (self.code or "").strip()
        kind = code_kind(self.code)
        if kind is None:
            raise ValidationError({"code": _("Enter a DTC such as P0300, lamp:<known lamp> or device:third_party.")})
        if kind != self.kind:
            raise ValidationError({"kind": _("This code is of kind %(kind)s.") % {"kind": WarningKind(kind).label}})
