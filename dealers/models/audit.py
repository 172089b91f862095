from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealers.models.company import DealerCompany


class AuditEntry(models.Model):
    """Who did what to which record, written in the same transaction as the change.

    Also the access log for personal data that APPI asks for (action "view").
    """

    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    company = models.ForeignKey(DealerCompany, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("company"))
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64)
    target_id = models.CharField(_("target id"), max_length=64)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"
