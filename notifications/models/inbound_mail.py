"""Mail the inbound SMTP listener accepted, stored raw before anything reads it, and the floods it
held back.

The listener never parses a message: it checks the recipient (one route per address form), runs
the cheap linear shape checks, stores the raw bytes here and queues their processing. A worker
parses and hands the mail to the handler of its kind (a reply today; bounces and complaints are
kinds of their own). A row is the record of what arrived, when, from where and what became of it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReceivedMailKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    BOUNCE = "bounce", _("Bounce")
    COMPLAINT = "complaint", _("Complaint (feedback report)")


class ReceivedMailStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    REFUSED = "refused", _("Refused (not readable)")
    FAILED = "failed", _("Failed")


class ReceivedMail(models.Model):
    """One accepted message for one recipient (a mail to two reply addresses is two rows)."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReceivedMailKind.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    # The part of the recipient that decides what the mail is about (a reply token, …).
    key = models.CharField(_("recipient key"), max_length=64, blank=True, default="")
    mail_from = models.CharField(_("envelope sender"), max_length=254, blank=True, default="")
    peer = models.CharField(_("client address"), max_length=64, blank=True, default="")
    raw = models.BinaryField(_("message"))
    # sha256 of the raw bytes: the same message redelivered to the same recipient is stored once.
    digest = models.CharField(_("digest"), max_length=64)
    status = models.CharField(
        _("status"), max_length=12, choices=ReceivedMailStatus.choices, default=ReceivedMailStatus.RECEIVED
    )
    note = models.TextField(_("note"), blank=True, default="")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("received mail")
        verbose_name_plural = _("received mail")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "digest"], name="received_mail_once_per_recipient"),
        ]
        indexes = [
            # The flood limits count recent mail per key and per sender.
            models.Index(fields=["kind", "key", "received_at"], name="received_mail_key_idx"),
            models.Index(fields=["kind", "mail_from", "received_at"], name="received_mail_sender_idx"),
            # Mail whose processing task was lost (re-queued by a periodic sweep).
            models.Index(fields=["received_at"], name="received_mail_pending_idx", condition=Q(status="received")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.recipient} {self.status}"


class MailFloodScope(models.TextChoices):
    KEY = "key", _("Reply address")
    SENDER = "sender", _("Sender")


class MailFlood(models.Model):
    """Mail held back by a flood limit: one row per limited address and hour, counting the
    refusals (each a temporary 4xx: the sending server keeps the mail and tries again later)."""

    kind = models.CharField(_("kind"), max_length=16, choices=ReceivedMailKind.choices)
    scope = models.CharField(_("limited by"), max_length=8, choices=MailFloodScope.choices)
    value = models.CharField(_("address or key"), max_length=254)
    hour = models.DateTimeField(_("hour"))
    refused = models.PositiveIntegerField(_("refused"), default=0)
    last_at = models.DateTimeField(_("last refused at"), default=timezone.now)

    class Meta:
        verbose_name = _("mail flood held back")
        verbose_name_plural = _("mail floods held back")
        ordering = ["-hour", "-refused"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "scope", "value", "hour"], name="mail_flood_once_per_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.value} {self.hour:%Y-%m-%d %H}: {self.refused}"
