"""The Results funnel, summed per company, store, notice kind and send date.

Counting the funnel live means examining every notice of the period with its deliveries,
replies and appointments (~4.5 µs a notice: a month of a 333,000-car company, 40,000 notices,
takes ~190 ms; a year, seconds). These rows are refreshed set-based by
notifications.services.funnel (recent days every 10 minutes, the year nightly), and the
Results page sums a few thousand of them whatever the period.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany, Store
from notifications.models.notices import NoticeKind


class FunnelDay(models.Model):
    company = models.ForeignKey(DealerCompany, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    # The car's remote-maintenance store when the row was refreshed (None: no store).
    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    send_on = models.DateField(_("send on"))
    sent = models.PositiveIntegerField(_("sent"))
    delivered = models.PositiveIntegerField(_("delivered"))
    read = models.PositiveIntegerField(_("read"))
    replied = models.PositiveIntegerField(_("replied"))
    booked = models.PositiveIntegerField(_("booked"))
    visited = models.PositiveIntegerField(_("visited"))
    bounced = models.PositiveIntegerField(_("e-mail bounced"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("results funnel day")
        verbose_name_plural = _("results funnel days")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "store", "kind", "send_on"], nulls_distinct=False, name="funnel_day_one_row"
            ),
        ]
        indexes = [models.Index(fields=["company", "send_on"], name="funnel_day_company_date_idx")]

    def __str__(self) -> str:
        return f"{self.send_on} {self.kind} {self.store_id}: {self.sent}"
