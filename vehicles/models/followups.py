"""e-Care follow-ups (driving advice): a dealer's call to the owner about a warning.

One FollowUp per warning of severity stop_now or see_dealer_soon (the OneToOne on the warning
makes it happen once), routed when it opens to the registered store if it is open, else to the
call-center desk serving the company (vehicles.services.followup_routing). Each call is a FollowUpCall
row: who called, the outcome, the advice given and what happens next.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealers.models import CallCenterDesk, DealerCompany, Store
from vehicles.models.appointments import Appointment
from vehicles.models.telemetry import Severity, VehicleWarning
from vehicles.models.vehicle import Vehicle


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Assignee(models.TextChoices):
    STORE = "store", _("Store")
    DESK = "desk", _("Call-center desk")
    # No registered store and no desk serving the company: the company admins see it.
    COMPANY = "company", _("Company")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached the owner")
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left a message")


class NextAction(models.TextChoices):
    NONE = "none", _("Nothing further")
    VISIT = "visit", _("Visit the store")
    CALL_AGAIN = "call_again", _("Call again")
    ROADSIDE = "roadside", _("Roadside assistance arranged")


class FollowUp(models.Model):
    company = models.ForeignKey(DealerCompany, on_delete=models.PROTECT, related_name="followups", verbose_name=_("company"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="followups", verbose_name=_("vehicle"))
    warning = models.OneToOneField(VehicleWarning, on_delete=models.CASCADE, related_name="followup", verbose_name=_("warning"))
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    assignee = models.CharField(_("assigned to"), max_length=8, choices=Assignee.choices)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="followups", verbose_name=_("store")
    )
    desk = models.ForeignKey(
        CallCenterDesk, on_delete=models.PROTECT, null=True, blank=True, related_name="followups", verbose_name=_("call-center desk")
    )
    status = models.CharField(_("status"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    # When the assignee can start: the opening time when it was opened, else its next opening.
    available_from = models.DateTimeField(_("available from"))
    due_at = models.DateTimeField(_("due at"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    first_call_at = models.DateTimeField(_("first call at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("closed by")
    )
    resolution = models.TextField(_("resolution"), blank=True, default="")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("visit booked")
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="followup_assignee_has_its_target",
                condition=(
                    Q(assignee="store", store__isnull=False)
                    | Q(assignee="desk", desk__isnull=False)
                    | Q(assignee="company")
                ),
            ),
            models.CheckConstraint(
                name="followup_closed_has_time",
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
            ),
        ]
        indexes = [
            # The queue (open, by due time) per company, and the escalation scan.
            models.Index(fields=["company", "due_at"], name="followup_open_queue_idx", condition=Q(status="open")),
            models.Index(fields=["due_at"], name="followup_escalate_idx", condition=Q(status="open", escalated_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id}:{self.warning_id} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status == FollowUpStatus.OPEN


class FollowUpCall(models.Model):
    """One call to the owner and the advice given: the log the dealer keeps."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="calls", verbose_name=_("follow-up"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("called by")
    )
    called_at = models.DateTimeField(_("called at"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices)
    advice = models.TextField(_("advice given"), blank=True)
    next_action = models.CharField(_("next action"), max_length=16, choices=NextAction.choices, default=NextAction.NONE)

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        ordering = ["followup_id", "called_at", "id"]

    def __str__(self) -> str:
        return f"{self.followup_id} {self.called_at:%Y-%m-%d %H:%M} {self.outcome}"
