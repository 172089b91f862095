"""Service appointments (入庫予約): a car's visit to a store, and the capacity it holds.

Capacity is enforced by the database, not by Python: an appointment that holds capacity owns
a bay hold (a bay for its time range, no overlap on one bay: an exclusion constraint) or a
place for the day, plus a seat of its work type's daily quota where the store has one (see
vehicles.models.capacity). Cancelling or a no-show deletes the holds, which frees them.

Notices live in the upper layer (notifications), so an appointment names the due event it
covers by value (kind + event date) and keeps notice / reply ids as plain integers.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany, Store
from vehicles.models.capacity import WorkType
from vehicles.models.customers import Customer
from vehicles.models.vehicle import Vehicle


class AppointmentState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    ARRIVED = "arrived", _("Arrived")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# The owner may still cancel or change these; at most one per car and due event.
OPEN_STATES = (AppointmentState.REQUESTED, AppointmentState.CONFIRMED)
# These cover the due event: pending reminder stages of it are suppressed.
COVERING_STATES = (AppointmentState.CONFIRMED, AppointmentState.ARRIVED, AppointmentState.COMPLETED)


class Appointment(models.Model):
    company = models.ForeignKey(DealerCompany, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("company"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("store"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("vehicle"))
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments", verbose_name=_("owner")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # The exact time the owner asked for when the held time differs from it (issue 16: the
    # owner is told, and staff see both); null when the held time is what was asked.
    asked_at = models.DateTimeField(_("time asked for"), null=True, blank=True)
    # What the visit is for and so how long it takes (issue 14); null on bookings made before.
    work_type = models.ForeignKey(
        WorkType, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments", verbose_name=_("work")
    )
    state = models.CharField(_("state"), max_length=12, choices=AppointmentState.choices, default=AppointmentState.REQUESTED)
    # The due event the visit is for (a notice's kind and event date), blank for other visits.
    due_kind = models.CharField(_("due event kind"), max_length=16, blank=True, default="")
    due_event_date = models.DateField(_("due event date"), null=True, blank=True)
    notice_id = models.BigIntegerField(_("notice id"), null=True, blank=True)
    created_from_reply_id = models.BigIntegerField(_("created from reply id"), null=True, blank=True)
    # The same request processed twice (redelivery, retry) finds the appointment it made.
    idempotency_key = models.CharField(_("idempotency key"), max_length=80, unique=True, null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")
    # When the store declined the requested time: the times it offered instead (ISO datetimes).
    proposed_times = models.JSONField(_("times proposed by the store"), default=list, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=32, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(name="appointment_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
            models.CheckConstraint(
                name="appointment_state_valid", condition=Q(state__in=[s.value for s in AppointmentState])
            ),
            # One open appointment per car and due event: a second "book" is a change.
            models.UniqueConstraint(
                fields=["vehicle", "due_kind", "due_event_date"],
                condition=Q(state__in=[s.value for s in OPEN_STATES], due_event_date__isnull=False),
                name="appointment_one_open_per_due_event",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "starts_at"], name="appointment_store_start_idx"),
            # The daily run's "an appointment covers this due event" EXISTS.
            models.Index(
                fields=["vehicle", "due_kind", "due_event_date"],
                condition=Q(state__in=[s.value for s in COVERING_STATES]),
                name="appointment_covering_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id} @ {self.store_id} {self.starts_at:%Y-%m-%d %H:%M} {self.state}"
