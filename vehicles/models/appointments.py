"""Service appointments (入庫予約): a car's visit to a store, and the capacity it holds.

Capacity is enforced by the database, not by Python: an appointment that holds capacity owns
one `SlotBooking` row, and (store, slot_start, bay) is unique with bay ≥ 0. A booking takes the
lowest free bay below the store's bay count with INSERT … ON CONFLICT DO NOTHING, so two
transactions can never hold the same bay of the same slot; there is nothing to lock and no
count to keep in step. Cancelling or a no-show deletes the row, which frees the bay.

Notices live in the upper layer (notifications), so an appointment names the due event it
covers by value (kind + event date) and keeps notice / reply ids as plain integers.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany, Store
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


class SlotBooking(models.Model):
    """One bay of one slot, held by one appointment (see the module docstring)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="slot_bookings", verbose_name=_("store"))
    slot_start = models.DateTimeField(_("slot start"))
    bay = models.PositiveSmallIntegerField(_("bay"))
    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="slot_booking", verbose_name=_("appointment")
    )

    class Meta:
        verbose_name = _("slot booking")
        verbose_name_plural = _("slot bookings")
        constraints = [
            models.UniqueConstraint(fields=["store", "slot_start", "bay"], name="slotbooking_one_per_bay"),
            models.CheckConstraint(name="slotbooking_bay_non_negative", condition=Q(bay__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.slot_start:%Y-%m-%d %H:%M} bay {self.bay}"
