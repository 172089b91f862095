"""Admin for dealer events.

Drafts can be edited here; scheduling and cancelling go through the services (validated and
audited), as admin actions.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import DealerEvent, DealerEventStatus
from notifications.services.events import event_audience, event_cancel, event_schedule


@admin.register(DealerEvent)
class DealerEventAdmin(admin.ModelAdmin):
    list_display = ["title", "company", "starts_on", "ends_on", "status", "send_at", "sent_at", "recipient_count"]
    list_filter = ["status", "company"]
    search_fields = ["title", "company__name"]
    list_select_related = ["company"]
    filter_horizontal = ["stores", "audience_stores"]
    readonly_fields = ["status", "send_at", "sent_at", "recipient_count", "created_by", "created_at", "updated_at", "audience_now"]
    actions = ["schedule_now", "cancel"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status not in (DealerEventStatus.DRAFT, DealerEventStatus.SCHEDULED):
            fields += ["company", "title", "body", "starts_on", "ends_on", "stores", "audience_model_codes",
                       "audience_prefectures", "audience_stores"]
        return fields

    @admin.display(description=_("audience now"))
    def audience_now(self, obj):
        """As last counted (the event page's count; queued again when missing or old)."""
        if obj is None or obj.pk is None:
            return "-"
        audience = event_audience(obj, on=timezone.localdate())
        return "-" if audience is None else audience.count

    @admin.action(description=_("Send now"))
    def schedule_now(self, request, queryset):
        self._apply(request, queryset, lambda event: event_schedule(event=event, send_at=timezone.now(), actor=request.user))

    @admin.action(description=_("Cancel"))
    def cancel(self, request, queryset):
        self._apply(request, queryset, lambda event: event_cancel(event=event, actor=request.user))

    def _apply(self, request, queryset, action):
        for event in queryset:
            try:
                action(event)
            except ValidationError as exc:
                self.message_user(request, f"{event}: {' '.join(exc.messages)}", messages.ERROR)
