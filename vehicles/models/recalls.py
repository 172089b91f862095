"""Recall campaigns and their per-chassis targets (domain §4).

A campaign is the maker's notification to MLIT; it is not owned by a dealer company. The
ranges per model code are envelopes shown to staff; the per-chassis target list is the
authority. A target is linked to our vehicle when the chassis number is known here, and
re-linked when vehicles are imported later (vehicles.services.recalls).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany, Store
from vehicles.models.vehicle import Vehicle


class RecallKind(models.TextChoices):
    RECALL = "recall", _("Recall (リコール)")
    IMPROVEMENT = "improvement", _("Improvement measure (改善対策)")
    SERVICE_CAMPAIGN = "service_campaign", _("Service campaign (サービスキャンペーン)")


# The bounds of a work type's duration (vehicles.models.capacity.WorkType).
LABOUR_MINUTES_MIN, LABOUR_MINUTES_MAX = 15, 600


class RecallCampaign(models.Model):
    notification_number = models.CharField(_("notification number (届出番号)"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RecallKind.choices)
    title = models.CharField(_("title"), max_length=200)
    defect = models.TextField(_("defect (不具合の内容)"))
    remedy = models.TextField(_("remedy (改善の内容)"))
    published_on = models.DateField(_("published on"))
    # The maker's labour time for the work (issue 14 §1), when the file gives it: a booking for
    # this campaign holds that much bay time instead of the company's "recall work" duration.
    labour_minutes = models.PositiveSmallIntegerField(
        _("labour time (minutes)"), null=True, blank=True,
        validators=[MinValueValidator(LABOUR_MINUTES_MIN), MaxValueValidator(LABOUR_MINUTES_MAX)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recall campaign")
        verbose_name_plural = _("recall campaigns")
        ordering = ["-published_on", "notification_number"]

    def __str__(self) -> str:
        return f"{self.notification_number} {self.title}"


class RecallRange(models.Model):
    """A chassis-serial range as notified: for display only, never used for targeting."""

    campaign = models.ForeignKey(RecallCampaign, on_delete=models.CASCADE, related_name="ranges", verbose_name=_("campaign"))
    model_code = models.CharField(_("model code"), max_length=20)
    # Serials keep their leading zeros (KSP210-0045025), so they are text.
    serial_from = models.CharField(_("first serial"), max_length=10)
    serial_to = models.CharField(_("last serial"), max_length=10)
    produced_from = models.DateField(_("produced from"), null=True, blank=True)
    produced_to = models.DateField(_("produced to"), null=True, blank=True)
    affected_count = models.PositiveIntegerField(_("affected cars"), null=True, blank=True)

    class Meta:
        verbose_name = _("recall range")
        verbose_name_plural = _("recall ranges")
        ordering = ["campaign_id", "model_code", "serial_from"]

    def __str__(self) -> str:
        return f"{self.model_code}-{self.serial_from}〜{self.serial_to}"


class RecallStatus(models.TextChoices):
    NOT_DONE = "not_done", _("Not done")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class RecallTarget(models.Model):
    """One chassis on the maker's target list, and what the dealer did about it."""

    campaign = models.ForeignKey(RecallCampaign, on_delete=models.CASCADE, related_name="targets", verbose_name=_("campaign"))
    chassis_number = models.CharField(_("chassis number"), max_length=20)
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="recall_targets", verbose_name=_("vehicle")
    )
    status = models.CharField(_("status"), max_length=16, choices=RecallStatus.choices, default=RecallStatus.NOT_DONE)
    # The first notice goes out the day after; reset when a vehicle is linked later.
    became_target_on = models.DateField(_("became a target on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="recall_targets_done", verbose_name=_("done at store")
    )
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Why the car is not applicable."))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("marked by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The linked car's company and store, written by PostgreSQL triggers (migration 0010) on
    # every insert or update of a target and whenever a car changes company or store, however
    # it changes (service, admin, bulk update): the recall pages scope and count targets from
    # this table's index alone instead of joining a million cars. Never written by the app.
    company = models.ForeignKey(DealerCompany, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, null=True,
                                editable=False, related_name="+", verbose_name=_("company"))
    store = models.ForeignKey(Store, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, null=True,
                              editable=False, related_name="+", verbose_name=_("remote-maintenance store"))

    class Meta:
        verbose_name = _("recall target")
        verbose_name_plural = _("recall targets")
        ordering = ["campaign_id", "chassis_number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "chassis_number"], name="recall_target_one_per_chassis"),
            models.CheckConstraint(
                name="recall_target_done_has_date_and_store",
                condition=~Q(status="done") | Q(done_on__isnull=False, done_store__isnull=False),
            ),
        ]
        indexes = [
            # The daily run: open targets of linked vehicles.
            models.Index(fields=["status", "vehicle"], name="recall_target_status_veh_idx"),
            # Completion per campaign and store.
            models.Index(fields=["campaign", "status"], name="recall_target_camp_status_idx"),
            # The recall pages: a company's (or store's) campaigns and their completion, index-only.
            models.Index(fields=["company", "campaign", "store", "status"], name="recall_target_scope_idx"),
            # Linking after a vehicle import only looks at unlinked rows.
            models.Index(fields=["chassis_number"], name="recall_target_unlinked_idx", condition=Q(vehicle__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.chassis_number} {self.status}"
