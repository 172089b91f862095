"""Notices (one per car, due event and stage) and their deliveries per channel.

Rows are written set-based by the daily run (raw SQL), so the columns the SQL leaves out carry
database defaults (`db_default`) as well as Python ones.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany
from vehicles.models import ConsentCategory, Customer, Vehicle


def reply_token_new() -> str:
    """Unguessable per-notice token (Reply-To local part, app reply reference).

    Lower-case hex, not base64: mail systems may change the case of an address's local part.
    """
    return secrets.token_hex(16)


# What set-based SQL inserts use for the token: 32 hex characters from a v4 UUID (122 random bits).
REPLY_TOKEN_SQL = "replace(gen_random_uuid()::text, '-', '')"  # noqa: S105


class NoticeCategory(models.TextChoices):
    """What a notice is, for consent: the three consent categories (vehicles.ConsentCategory)
    and `transactional`, the answers to what the owner asked for by replying (a booking, an
    answer to a question). Safety and transactional notices are never held back by consent."""

    MARKETING = ConsentCategory.MARKETING.value, ConsentCategory.MARKETING.label
    REMINDERS = ConsentCategory.REMINDERS.value, ConsentCategory.REMINDERS.label
    SAFETY = ConsentCategory.SAFETY.value, ConsentCategory.SAFETY.label
    TRANSACTIONAL = "transactional", _("Your own requests (bookings, answers)")


# Categories no refusal applies to.
NEVER_REFUSED_CATEGORIES = (NoticeCategory.SAFETY.value, NoticeCategory.TRANSACTIONAL.value)


class NoticeKind(models.TextChoices):
    SHAKEN = "shaken", _("Shaken (statutory inspection)")
    PERIODIC = "periodic", _("Periodic inspection")
    RECALL = "recall", _("Recall")
    EVENT = "event", _("Dealer event")
    WARNING = "warning", _("Warning")
    APPOINTMENT = "appointment", _("Appointment")
    INQUIRY_ANSWER = "inquiry_answer", _("Answer to an inquiry")
    DEVICE = "device", _("Third-party OBD-II device")
    MAINTENANCE = "maintenance", _("Maintenance due (condition-based)")


class NoticeStatus(models.TextChoices):
    """queued: not delivered on any channel yet (e.g. scheduled for a later send_on); sent: at
    least one channel delivered it (the daily run's notices are sent at once: the app inbox);
    cancelled: made pointless before any delivery (cancel_reason says why); suppressed: kept
    for senders that record a notice they decided not to send."""

    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")
    SUPPRESSED = "suppressed", _("Suppressed")


class Notice(models.Model):
    """One message about one car's due event at one stage; `dedupe_key` makes it happen once."""

    # No single-column FK indexes on company/vehicle: the composite indexes below start with them
    # (fewer indexes to maintain on the bulk inserts).
    company = models.ForeignKey(
        DealerCompany, on_delete=models.PROTECT, related_name="notices", verbose_name=_("company"), db_index=False
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="notices", verbose_name=_("vehicle"), db_index=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices", verbose_name=_("owner")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    # Short stage code: shaken m3/window/m1/d14/lapsed, periodic pre/month, recall r0/r30/…
    stage = models.CharField(_("stage"), max_length=16)
    category = models.CharField(_("consent category"), max_length=16, choices=NoticeCategory.choices)
    event_date = models.DateField(_("due event date"))
    send_on = models.DateField(_("send on"))
    # Recall target / dealer event id, when the notice is about one.
    source_id = models.BigIntegerField(_("source id"), null=True, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=160, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED, db_default=NoticeStatus.QUEUED
    )
    reply_token = models.CharField(
        _("reply token"), max_length=64, unique=True, default=reply_token_new, db_default=models.expressions.RawSQL(REPLY_TOKEN_SQL, [])  # noqa: S611 - a constant
    )
    language = models.CharField(_("language"), max_length=5, default="ja", db_default="ja")
    context = models.JSONField(_("facts to render"), default=dict, db_default={}, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_default=Now())
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=64, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["vehicle", "kind", "event_date"], name="notice_vehicle_kind_event_idx"),
            # Deliveries for the notices of a run's date range; the staff list per company.
            models.Index(fields=["send_on"], name="notice_send_on_idx"),
            models.Index(fields=["company", "-created_at"], name="notice_company_created_idx"),
            models.Index(fields=["kind", "source_id"], name="notice_kind_source_idx", condition=Q(source_id__isnull=False)),
            # Notices not yet delivered anywhere (cancellation scans, scheduled sends).
            models.Index(fields=["vehicle"], name="notice_queued_idx", condition=Q(status="queued")),
        ]

    def __str__(self) -> str:
        return self.dedupe_key


class Channel(models.TextChoices):
    NAVI = "navi", _("Navigation unit")
    APP = "app", _("App")
    EMAIL = "email", _("E-mail")


class DeliveryStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting (navigation not paired)")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Delivery(models.Model):
    """A notice on one channel; the outbox claims queued rows and records each attempt."""

    # Indexed by the (notice, channel) unique constraint.
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notice"), db_index=False)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED, db_default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, db_default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # Set just before the e-mail is handed to SMTP: a stuck row with it may have been sent
    # (so it is never retried: at most once); without it, it certainly was not (retried).
    send_started_at = models.DateTimeField(_("send started at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="", db_default="")
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_default=Now())

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["notice", "channel"], name="delivery_one_per_notice_channel")]
        indexes = [
            # The outbox scan: queued rows due now.
            models.Index(fields=["next_attempt_at"], name="delivery_queued_due_idx", condition=Q(status="queued")),
            # Stuck claims (worker died between claim and mark).
            models.Index(fields=["claimed_at"], name="delivery_sending_idx", condition=Q(status="sending")),
            # Navi rows waiting for pairing.
            models.Index(fields=["notice"], name="delivery_waiting_idx", condition=Q(status="waiting")),
            # Inbox lists go from the owner's / car's notices to their deliveries through the
            # (notice, channel) unique index: no further index to maintain on bulk inserts.
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.channel} {self.status}"


class DeliveryAttempt(models.Model):
    """History: one row per send attempt with its outcome."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery"))
    at = models.DateTimeField(_("at"))
    ok = models.BooleanField(_("succeeded"))
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery_id", "at"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'error'}"
