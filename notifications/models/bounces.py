"""What came back: bounces per e-mail delivery, feedback-loop complaints, and the addresses that
no longer take mail.

A bounce or a complaint is a row (deduplicated: the same report delivered twice counts once); the
delivery it names carries the outcome (`failed` for a hard bounce, re-queued with backoff for a
soft one). `MailAddressState` is per owner *and* address: when staff or the owner change the
address, the old row no longer applies, which is what "until they change it" means.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany
from notifications.models.notices import Delivery
from vehicles.models import Customer


class BounceKind(models.TextChoices):
    HARD = "hard", _("Hard bounce (address does not exist)")
    SOFT = "soft", _("Soft bounce (temporary: mailbox full, blocked, later)")


class MailReport(models.Model):
    """What a report about one of our mails has in common, whatever it says: when it came, and
    its dedupe key (delivery id + a hash of the report: the same report delivered twice is
    stored once). Each kind names its own link to the delivery (`delivery.bounces`, …)."""

    received_at = models.DateTimeField(_("received at"))
    dedupe_key = models.CharField(_("dedupe key"), max_length=120, unique=True)

    class Meta:
        abstract = True
        ordering = ["-received_at", "-id"]


class MailBounce(MailReport):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="bounces", verbose_name=_("delivery"))
    kind = models.CharField(_("kind"), max_length=8, choices=BounceKind.choices)
    status = models.CharField(_("status code"), max_length=16, blank=True)
    diagnostic = models.CharField(_("what the receiving server said"), max_length=500, blank=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)

    class Meta(MailReport.Meta):
        verbose_name = _("e-mail bounce")
        verbose_name_plural = _("e-mail bounces")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.kind} {self.status}"


class MailComplaint(MailReport):
    """A feedback report (ARF): the recipient marked one of our mails as spam."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="complaints", verbose_name=_("delivery"))
    feedback_type = models.CharField(_("feedback type"), max_length=40)
    reporter = models.CharField(_("reported by"), max_length=300, blank=True)
    # The consent category withdrawn by it ("" when the mail was of a category that cannot be refused).
    withdrawn_category = models.CharField(_("consent withdrawn"), max_length=16, blank=True)

    class Meta(MailReport.Meta):
        verbose_name = _("e-mail complaint")
        verbose_name_plural = _("e-mail complaints")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.feedback_type}"


class MailAddressState(models.Model):
    """Bounces of one owner's address: soft ones in a row, and since when it is undeliverable."""

    company = models.ForeignKey(DealerCompany, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("owner"))
    email = models.CharField(_("e-mail address"), max_length=254)
    soft_bounces_in_row = models.PositiveSmallIntegerField(_("soft bounces in a row"), default=0)
    undeliverable_since = models.DateTimeField(_("undeliverable since"), null=True, blank=True)
    last_bounce_at = models.DateTimeField(_("last bounce at"))
    last_diagnostic = models.CharField(_("last bounce said"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("e-mail address state")
        verbose_name_plural = _("e-mail address states")
        constraints = [models.UniqueConstraint(fields=["customer", "email"], name="mail_address_state_one")]
        indexes = [
            # Today's list of undeliverable addresses per company.
            models.Index(fields=["company", "-undeliverable_since"], name="mail_address_undeliverable_idx",
                         condition=Q(undeliverable_since__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({'undeliverable' if self.undeliverable_since else self.soft_bounces_in_row})"
