"""Owners' replies to notices (app, navi, e-mail) and the inquiries they become for the store."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany, Store
from notifications.models.notices import Channel, Notice
from vehicles.models import Appointment, Customer, Vehicle


class ReplyIntent(models.TextChoices):
    BOOK = "book", _("Book a visit")
    ASK = "ask", _("Ask a question")
    CANCEL = "cancel", _("Cancel the appointment")
    CHANGE = "change", _("Change the appointment")


class ReplyStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")


class ReplyOutcome(models.TextChoices):
    REQUESTED = "requested", _("Appointment requested")
    ALTERNATIVES = "alternatives", _("No slot fits: alternatives offered")
    NEEDS_TIME = "needs_time", _("No usable date: the store proposes a time")
    CHANGED = "changed", _("Appointment changed")
    CANCELLED = "cancelled", _("Appointment cancelled")
    INQUIRY = "inquiry", _("Inquiry for the store")
    CONFIRM = "confirm", _("Unsure reading: the owner is asked to confirm")


class Reply(models.Model):
    """One reply as received. The notice (from the app/navi URL, or the mail's reply token)
    decides whose car it is about; `message_id` makes a redelivered reply a no-op."""

    company = models.ForeignKey(DealerCompany, on_delete=models.PROTECT, related_name="replies", verbose_name=_("company"))
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="replies", verbose_name=_("notice"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="replies", verbose_name=_("vehicle"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    intent = models.CharField(_("intent"), max_length=8, choices=ReplyIntent.choices)
    # [{"date": "2026-03-05" | null, "time": "10:00" | null, "part": "morning" | null}, …]
    preferred = models.JSONField(_("preferred times"), default=list, blank=True)
    # What the parser read in the text, shown to staff beside it: [{"start": {…}, "end": {…} | null,
    # "sure": bool, "doubt": "hour" | "vague" | … | null}, …] (notifications.parsing.when.Reading).
    reading = models.JSONField(_("reading of the text"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True, default="")
    message_id = models.CharField(_("message id"), max_length=255, unique=True)
    # Shown to staff; never used to decide whose reply it is.
    from_address = models.CharField(_("sender address"), max_length=254, blank=True, default="")
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("sent by")
    )
    status = models.CharField(_("status"), max_length=12, choices=ReplyStatus.choices, default=ReplyStatus.RECEIVED)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReplyOutcome.choices, blank=True, default="")
    error = models.TextField(_("error"), blank=True, default="")
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("appointment")
    )
    inquiry = models.ForeignKey(
        "Inquiry", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies", verbose_name=_("inquiry")
    )

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-received_at"], name="reply_company_received_idx"),
            models.Index(fields=["vehicle", "-received_at"], name="reply_vehicle_received_idx"),
            # Replies whose processing task was lost (re-queued by a periodic sweep).
            models.Index(fields=["received_at"], name="reply_pending_idx", condition=Q(status="received")),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.intent} {self.status}"


class InquiryKind(models.TextChoices):
    QUESTION = "question", _("Question")
    PROPOSE_TIME = "propose_time", _("Propose a visit time")


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Inquiry(models.Model):
    """Something the store's staff must answer, within the store's business hours."""

    company = models.ForeignKey(DealerCompany, on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("company"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("store"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="inquiries", verbose_name=_("vehicle"))
    notice = models.ForeignKey(
        Notice, on_delete=models.SET_NULL, null=True, blank=True, related_name="inquiries", verbose_name=_("notice")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="inquiries", verbose_name=_("owner")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=InquiryKind.choices, default=InquiryKind.QUESTION)
    question = models.TextField(_("question"), blank=True, default="")
    # Free slots offered to the owner when their time did not fit (ISO datetimes).
    alternatives = models.JSONField(_("alternatives offered"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.OPEN)
    due_at = models.DateTimeField(_("answer due by"))
    answer = models.TextField(_("answer"), blank=True, default="")
    proposed_times = models.JSONField(_("times proposed in the answer"), default=list, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("answered by")
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["due_at", "id"]
        indexes = [
            # The store's queue: open inquiries, most urgent first.
            models.Index(fields=["store", "due_at"], name="inquiry_open_queue_idx", condition=Q(status="open")),
            models.Index(fields=["company", "-created_at"], name="inquiry_company_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.kind} {self.status}"
