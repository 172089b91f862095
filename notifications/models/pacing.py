"""Sending pace per destination domain group (issue 15 §4): one row per group, its token bucket
and its pause after a 421/4xx answer (notifications.services.pacing)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DomainGroup(models.TextChoices):
    CARRIER = "carrier", _("Mobile carrier mail (docomo, au, SoftBank…)")
    FREEMAIL = "freemail", _("Large free-mail providers (Gmail, Yahoo!, Outlook, iCloud…)")
    OTHER = "other", _("Everything else")


class MailPace(models.Model):
    group = models.CharField(_("domain group"), max_length=16, choices=DomainGroup.choices, primary_key=True)
    tokens = models.FloatField(_("mails that may go now"), default=0)
    refilled_at = models.DateTimeField(_("bucket refilled at"))
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    # The pause the next 4xx answer gets (doubles per answer; back to none after a send goes through).
    backoff_seconds = models.PositiveIntegerField(_("current backoff (s)"), default=0)
    deferrals = models.PositiveIntegerField(_("4xx answers"), default=0)
    last_deferral = models.CharField(_("last 4xx answer"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("mail pace")
        verbose_name_plural = _("mail pace per domain group")

    def __str__(self) -> str:
        return self.group
