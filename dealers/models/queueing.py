"""Tasks whose publish failed (the broker was down), kept until the broker is back."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UnpublishedTask(models.Model):
    """One task that `task_queue_on_commit` could not hand to the broker. The every-minute sweep
    (`unpublished_tasks_republish`) publishes it again and deletes the row in one transaction,
    so a broker outage costs about a minute after the broker's return, and each task goes out
    once more (the tasks are idempotent either way)."""

    name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    failed_at = models.DateTimeField(_("publish failed at"), default=timezone.now)
    error = models.CharField(_("error"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("unpublished task")
        verbose_name_plural = _("unpublished tasks")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)}"
