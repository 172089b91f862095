"""Per-company reminder schedule, and the record of finished daily runs."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany


def periodic_extra_months_default() -> list[int]:
    return []


def _range_field(label, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, db_default=default, validators=[MaxValueValidator(MAX_RANGE_DAYS)]
    )


MAX_RANGE_DAYS = 30


class ReminderPolicy(models.Model):
    """When a dealer company's cars get reminders (issue 3 defaults). 0 switches a stage off.

    Stage codes derive from the numbers (m3, m1, d14), so changing a lead time makes a new stage
    from the next run on; stages already sent are not repeated under the old code's due date.
    """

    company = models.OneToOneField(
        DealerCompany, on_delete=models.CASCADE, related_name="reminder_policy", verbose_name=_("company")
    )
    shaken_early_months = models.PositiveSmallIntegerField(
        _("shaken: first notice (months before expiry)"), default=3, db_default=3, validators=[MaxValueValidator(12)]
    )
    shaken_window_notice = models.BooleanField(
        _("shaken: notice when the window opens (2 months before expiry)"), default=True, db_default=True
    )
    shaken_late_months = models.PositiveSmallIntegerField(
        _("shaken: second notice (months before expiry)"), default=1, db_default=1, validators=[MaxValueValidator(12)]
    )
    shaken_final_days = models.PositiveSmallIntegerField(
        _("shaken: last notice (days before expiry)"), default=14, db_default=14, validators=[MaxValueValidator(60)]
    )
    shaken_lapsed_notice = models.BooleanField(_("shaken: lapsed notice the day after expiry"), default=True, db_default=True)
    periodic_interval_months = models.PositiveSmallIntegerField(
        _("periodic inspection: every N months"),
        default=12,
        db_default=12,
        validators=[MaxValueValidator(24)],
        help_text=_("Statutory 12-month inspection by default; 0 = no recurring inspection notices."),
    )
    periodic_extra_months = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(120)]),
        verbose_name=_("periodic inspection: extra checks (months after first registration)"),
        default=periodic_extra_months_default,
        db_default=[],
        blank=True,
        help_text=_("Dealer checks such as 1, 6, 18, 30."),
    )
    recall_repeat_days = models.PositiveSmallIntegerField(
        _("recall: repeat every N days until performed"), default=30, db_default=30, validators=[MinValueValidator(7)]
    )
    maintenance_early_days = models.PositiveSmallIntegerField(
        _("maintenance: first notice (days before the due date)"), default=30, db_default=30,
        validators=[MaxValueValidator(90)],
        help_text=_("Condition-based maintenance (oil, brake fluid, battery…); 0 = no early notice."),
    )
    maintenance_due_notice = models.BooleanField(_("maintenance: notice on the due date"), default=True, db_default=True)
    # Send ranges (issue 14 §3): a reminder stage may go out up to `before` days earlier and
    # `after` days later than its usual date, so the daily run can pace the replies to what each
    # store can take; 0 / 0 sends on the usual date. Safety notices (lapsed shaken, recalls) have
    # none. The window notice and the inspection-month notice never go before their date.
    shaken_early_range_before = _range_field(_("shaken first notice: may go up to N days earlier"), 10)
    shaken_early_range_after = _range_field(_("shaken first notice: may go up to N days later"), 10)
    shaken_window_range_after = _range_field(_("shaken window notice: may go up to N days later"), 7)
    shaken_late_range_before = _range_field(_("shaken second notice: may go up to N days earlier"), 5)
    shaken_late_range_after = _range_field(_("shaken second notice: may go up to N days later"), 5)
    shaken_final_range_before = _range_field(_("shaken last notice: may go up to N days earlier"), 0)
    shaken_final_range_after = _range_field(_("shaken last notice: may go up to N days later"), 0)
    periodic_pre_range_before = _range_field(_("periodic inspection, month before: may go up to N days earlier"), 0)
    periodic_pre_range_after = _range_field(_("periodic inspection, month before: may go up to N days later"), 14)
    periodic_month_range_after = _range_field(_("periodic inspection, its month: may go up to N days later"), 10)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")

    def __str__(self) -> str:
        return f"{self.company_id}"


class DailyRun(models.Model):
    """One row per business date the daily run has started; `finished_at` once it committed."""

    business_date = models.DateField(_("business date"), unique=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("daily run")
        verbose_name_plural = _("daily runs")
        ordering = ["-business_date"]

    def __str__(self) -> str:
        return f"{self.business_date}"
