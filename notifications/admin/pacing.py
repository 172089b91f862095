"""Admin for the sending pace: per domain group its rate, pause and backoff, and the backlog
waiting for it with the oldest mail's age (one scan of the queued e-mail for the three rows)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealers.admin.readonly import ReadOnlyAdminMixin
from notifications.models import MailPace
from notifications.selectors.pacing import Backlog, mail_backlog
from notifications.services.pacing import pace_per_second


@admin.register(MailPace)
class MailPaceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["group", "rate", "waiting", "oldest_age", "drain_time", "paused_until", "backoff_seconds",
                    "deferrals", "last_deferral"]

    def changelist_view(self, request, extra_context=None):
        self._backlog = {b.group: b for b in mail_backlog()}
        return super().changelist_view(request, extra_context)

    def _of(self, pace: MailPace) -> Backlog:
        return getattr(self, "_backlog", {}).get(pace.group) or Backlog(pace.group, 0, None)

    @admin.display(description=_("mails per minute"))
    def rate(self, pace: MailPace) -> int:
        return round(pace_per_second(pace.group) * 60)

    @admin.display(description=_("waiting"))
    def waiting(self, pace: MailPace) -> int:
        return self._of(pace).waiting

    @admin.display(description=_("oldest waiting for"))
    def oldest_age(self, pace: MailPace) -> str:
        age = self._of(pace).oldest_age(timezone.now())
        return f"{int(age.total_seconds() // 60)} min" if age else "—"

    @admin.display(description=_("time to drain at this pace"))
    def drain_time(self, pace: MailPace) -> str:
        return f"{int(self._of(pace).drain_time.total_seconds() // 60)} min"
