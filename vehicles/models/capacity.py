"""What a store can take: work types with their durations, daily quotas, and the holds that
bookings place on bay time and on a day's places (issue 14).

A booking of bay work holds one `BayHold`: a bay of the store for [start, end). The database
refuses two holds of the same bay whose times overlap (an exclusion constraint over a
tstzrange, btree_gist), so no double booking of bay time survives any race; booking inserts
the lowest bay that looked free with ON CONFLICT DO NOTHING and looks again when it lost.
A car left for the day holds a `DayHold` seat in the store's "day" pool (Store.day_places a
day), and a work type with a daily quota at that store holds a seat in that type's pool: the
seats of a pool are numbered below its size and (store, day, pool, seat) is unique, the same
mechanism as the bays. Cancelling deletes the holds, which frees them.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany, Store


class Occupies(models.TextChoices):
    BAY = "bay", _("a bay for its duration")
    DAY = "day", _("a place for the day (the car is left)")


class WorkCode(models.TextChoices):
    """The kinds of work the product books by itself (replies, follow-ups); companies may add others."""

    SHAKEN = "shaken", _("Shaken (statutory inspection)")
    INSPECTION_12M = "inspection_12m", _("12-month inspection")
    OIL = "oil", _("Engine oil change")
    RECALL = "recall", _("Recall work")
    DIAGNOSIS = "diagnosis", _("Warning diagnosis")
    OTHER = "other", _("Other")


class WorkType(models.Model):
    """A kind of work a company's stores book, with how long it takes and what it occupies."""

    company = models.ForeignKey(DealerCompany, on_delete=models.CASCADE, related_name="work_types", verbose_name=_("company"))
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=60)
    minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(600)]
    )
    occupies = models.CharField(_("occupies"), max_length=8, choices=Occupies.choices, default=Occupies.BAY)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("work type")
        verbose_name_plural = _("work types")
        ordering = ["company_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="worktype_code_unique_per_company"),
            models.CheckConstraint(name="worktype_minutes_range", condition=Q(minutes__gte=15, minutes__lte=600)),
            models.CheckConstraint(name="worktype_occupies_valid", condition=Q(occupies__in=[o.value for o in Occupies])),
        ]

    def __str__(self) -> str:
        return self.name


class WorkQuota(models.Model):
    """At most `per_day` bookings of one work type a day at one store (e.g. 4 shaken a day)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="work_quotas", verbose_name=_("store"))
    work_type = models.ForeignKey(WorkType, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("work type"))
    per_day = models.PositiveSmallIntegerField(_("at most per day"), validators=[MaxValueValidator(200)])

    class Meta:
        verbose_name = _("daily quota")
        verbose_name_plural = _("daily quotas")
        constraints = [models.UniqueConstraint(fields=["store", "work_type"], name="workquota_one_per_store_and_type")]

    def __str__(self) -> str:
        return f"{self.work_type} ≤ {self.per_day}"


class BayHold(models.Model):
    """One bay of a store for a time range, held by one appointment (see the module docstring)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="bay_holds", verbose_name=_("store"))
    bay = models.PositiveSmallIntegerField(_("bay"))
    during = DateTimeRangeField(_("during"))
    appointment = models.OneToOneField(
        "vehicles.Appointment", on_delete=models.CASCADE, related_name="bay_hold", verbose_name=_("appointment")
    )

    class Meta:
        verbose_name = _("bay hold")
        verbose_name_plural = _("bay holds")
        constraints = [
            ExclusionConstraint(
                name="bayhold_no_overlap",
                expressions=[("store", RangeOperators.EQUAL), ("bay", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
            ),
            models.CheckConstraint(name="bayhold_bay_non_negative", condition=Q(bay__gte=0)),
            models.CheckConstraint(name="bayhold_not_empty", condition=Q(during__isempty=False)),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} bay {self.bay} {self.during}"


class DayHold(models.Model):
    """One seat of a store's daily pool: "day" (cars left) or "quota:<work type id>"."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="day_holds", verbose_name=_("store"))
    day = models.DateField(_("day"))
    pool = models.CharField(_("pool"), max_length=24)
    seat = models.PositiveSmallIntegerField(_("seat"))
    appointment = models.ForeignKey(
        "vehicles.Appointment", on_delete=models.CASCADE, related_name="day_holds", verbose_name=_("appointment")
    )

    class Meta:
        verbose_name = _("day hold")
        verbose_name_plural = _("day holds")
        constraints = [
            models.UniqueConstraint(fields=["store", "day", "pool", "seat"], name="dayhold_one_per_seat"),
            models.UniqueConstraint(fields=["appointment", "pool"], name="dayhold_one_per_appointment_and_pool"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day} {self.pool} #{self.seat}"
