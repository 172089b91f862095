"""Dealer event mail: an advertising message composed by staff (特定電子メール法, domain §5).

The audience is a filter, not a list: it is evaluated when the event is sent, so an owner who
refused marketing mail after the event was scheduled never receives it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany, Store


def empty_list() -> list[str]:
    return []


class DealerEventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class DealerEvent(models.Model):
    company = models.ForeignKey(DealerCompany, on_delete=models.PROTECT, related_name="events", verbose_name=_("company"))
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # Where the event takes place (shown in the mail).
    stores = models.ManyToManyField(Store, related_name="events", verbose_name=_("event stores"))
    # Audience filters; an empty filter does not narrow the audience.
    audience_model_codes = ArrayField(
        models.CharField(max_length=20), verbose_name=_("model codes"), default=empty_list, blank=True
    )
    audience_prefectures = ArrayField(
        models.CharField(max_length=8), verbose_name=_("owner's prefecture"), default=empty_list, blank=True
    )
    audience_stores = models.ManyToManyField(
        Store, related_name="+", blank=True, verbose_name=_("registered at store"),
        help_text=_("Only cars whose remote-maintenance store is one of these; none = all stores."),
    )
    status = models.CharField(_("status"), max_length=12, choices=DealerEventStatus.choices, default=DealerEventStatus.DRAFT)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("notices created"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dealer event")
        verbose_name_plural = _("dealer events")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="event_dates_ordered"),
            models.CheckConstraint(condition=~Q(status="scheduled") | Q(send_at__isnull=False), name="event_scheduled_has_send_at"),
        ]
        indexes = [
            # The scan for events due to be sent.
            models.Index(fields=["send_at"], name="event_scheduled_due_idx", condition=Q(status="scheduled")),
        ]

    def __str__(self) -> str:
        return self.title
