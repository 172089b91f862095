import datetime as dt

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from dealers.models.company import Store
from dealers.parsing.dates import range_label

# Golden Week, Obon and New Year are about a week; a range of months is surely a typo.
MAX_EXCEPTION_DAYS = 60


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class StoreHours(models.Model):
    """Opening hours for one weekday. A weekday without a row is closed."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="hours", verbose_name=_("store"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["store_id", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["store", "weekday"], name="store_hours_one_per_weekday"),
            models.CheckConstraint(condition=Q(opens_at__lt=F("closes_at")), name="store_hours_open_before_close"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        # The check constraint only says "violated"; give the form a field message instead.
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("Closing time must be after opening time.")})


class WeekOfMonth(models.TextChoices):
    EVERY = "every", _("every week")
    FIRST = "1", _("1st")
    SECOND = "2", _("2nd")
    THIRD = "3", _("3rd")
    FOURTH = "4", _("4th")
    FIFTH = "5", _("5th")
    LAST = "last", _("last")
    ALL_BUT_LAST = "not_last", _("every week except the last")


class ClosingRule(models.Model):
    """A weekly closing day such as "every Monday" or "the 1st Wednesday" (domain §6)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="closing_rules", verbose_name=_("store"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    week_of_month = models.CharField(
        _("which weeks"), max_length=8, choices=WeekOfMonth.choices, default=WeekOfMonth.EVERY
    )
    # "Closed Tuesday instead when Monday is a substitute holiday": when the closing day is a
    # national holiday the store opens and closes on the next day instead.
    moves_to_next_day_on_holiday = models.BooleanField(
        _("moves to the next day when it falls on a national holiday"), default=False
    )

    class Meta:
        verbose_name = _("closing rule")
        verbose_name_plural = _("closing rules")
        ordering = ["store_id", "weekday"]

    def __str__(self) -> str:
        return f"{self.get_week_of_month_display()} {self.get_weekday_display()}"

    def clean(self) -> None:
        if self.store_id is None or self.weekday is None:
            return
        twins = ClosingRule.objects.filter(
            store_id=self.store_id, weekday=self.weekday, week_of_month=self.week_of_month
        ).exclude(pk=self.pk)
        if twins.exists():
            raise ValidationError(_("This store already has this closing rule."))


class DateRange(Func):
    """daterange(start, end, '[]'): both days included."""

    function = "daterange"
    output_field = DateRangeField()

    def __init__(self, start: str, end: str):
        super().__init__(F(start), F(end), RangeBoundary(inclusive_lower=True, inclusive_upper=True))


class CalendarException(models.Model):
    """A date range closed (Golden Week, Obon, New Year) or open against the rules."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="calendar_exceptions", verbose_name=_("store")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to (inclusive)"))
    is_open = models.BooleanField(_("open"), default=False, help_text=_("Unticked: closed on these dates."))
    opens_at = models.TimeField(
        _("opens at"),
        null=True,
        blank=True,
        help_text=_("Only for open days; blank = usual hours."),
    )
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["store_id", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")), name="calendar_exception_range_ordered"),
            # One answer per store and day, whatever path writes the rows (btree_gist).
            ExclusionConstraint(
                name="calendar_exception_no_overlap",
                expressions=[(F("store"), RangeOperators.EQUAL), (DateRange("starts_on", "ends_on"), RangeOperators.OVERLAPS)],
                violation_error_message=_("These dates overlap another exception of this store."),
            ),
        ]

    def __str__(self) -> str:
        state = _("open") if self.is_open else _("closed")
        return f"{self.starts_on}–{self.ends_on} {state}"

    def get_constraints(self):
        # clean() refuses an overlap naming the other range; the exclusion constraint is the
        # database's backstop for writes that skip validation, not a second message.
        return [
            (model, [c for c in constraints if c.name != "calendar_exception_no_overlap"])
            for model, constraints in super().get_constraints()
        ]

    def clean(self) -> None:
        if (self.opens_at is None) != (self.closes_at is None):
            raise ValidationError(_("Give both opening and closing time, or neither."))
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("Closing time must be after opening time.")})
        if self.opens_at and not self.is_open:
            raise ValidationError({"opens_at": _("Hours only apply to open days.")})
        if self.starts_on is None or self.ends_on is None:
            return  # the field errors already say what is missing
        if self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day must not be before the first day.")})
        if (self.ends_on - self.starts_on).days + 1 > MAX_EXCEPTION_DAYS:
            raise ValidationError(
                {"ends_on": _("A calendar exception may cover at most %(days)d days.") % {"days": MAX_EXCEPTION_DAYS}}
            )
        if self.store_id is not None:
            self._clean_against_store()

    def _clean_against_store(self) -> None:
        overlapping = (
            CalendarException.objects.filter(
                store_id=self.store_id, starts_on__lte=self.ends_on, ends_on__gte=self.starts_on
            )
            .exclude(pk=self.pk)
            .order_by("starts_on")
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                _("These dates overlap another exception of this store (%(dates)s).")
                % {"dates": range_label(overlapping.starts_on, overlapping.ends_on)}
            )
        if self.is_open and self.opens_at is None:
            # "Usual hours" means nothing on a weekday the store has no hours for.
            open_weekdays = set(StoreHours.objects.filter(store_id=self.store_id).values_list("weekday", flat=True))
            days = (self.starts_on + dt.timedelta(days=n) for n in range((self.ends_on - self.starts_on).days + 1))
            missing = sorted({d.weekday() for d in days} - open_weekdays)
            if missing:
                raise ValidationError(
                    {
                        "opens_at": _("Give the hours: the store has no usual hours on %(weekdays)s.")
                        % {"weekdays": ", ".join(str(Weekday(w).label) for w in missing)}
                    }
                )
