from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dealers.models.company import Store


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
    week_of_month = models.CharField(_("which weeks"), max_length=8, choices=WeekOfMonth.choices, default=WeekOfMonth.EVERY)
    # "Closed Tuesday instead when Monday is a substitute holiday": when the closing day is a
    # national holiday the store opens and closes on the next day instead.
    moves_to_next_day_on_holiday = models.BooleanField(_("moves to the next day when it falls on a national holiday"), default=False)

    class Meta:
        verbose_name = _("closing rule")
        verbose_name_plural = _("closing rules")
        ordering = ["store_id", "weekday"]

    def __str__(self) -> str:
        return f"{self.get_week_of_month_display()} {self.get_weekday_display()}"


class CalendarException(models.Model):
    """A date range closed (Golden Week, Obon, New Year) or open against the rules."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="calendar_exceptions", verbose_name=_("store"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to (inclusive)"))
    is_open = models.BooleanField(_("open"), default=False, help_text=_("Unticked: closed on these dates."))
    opens_at = models.TimeField(_("opens at"), null=True, blank=True, help_text=_("Only for open days; blank = usual hours."))
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["store_id", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")), name="calendar_exception_range_ordered"),
        ]

    def clean(self) -> None:
        if (self.opens_at is None) != (self.closes_at is None):
            raise ValidationError(_("Give both opening and closing time, or neither."))
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("Closing time must be after opening time.")})
        if self.opens_at and not self.is_open:
            raise ValidationError({"opens_at": _("Hours only apply to open days.")})

    def __str__(self) -> str:
        state = _("open") if self.is_open else _("closed")
        return f"{self.starts_on}–{self.ends_on} {state}"
