"""Admin for mail the listener took (read-only: the record of what arrived and what became of it)
and the floods it held back (staff see which reply address or sender was limited, and how often)."""

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from dealers.admin.readonly import ReadOnlyAdminMixin
from notifications.models import MailFlood, MailFloodScope, Notice, ReceivedMail


@admin.register(ReceivedMail)
class ReceivedMailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "kind", "recipient", "mail_from", "peer", "status", "note", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "mail_from", "key"]
    exclude = ["raw"]
    readonly_fields = ["size"]
    show_full_result_count = False

    @admin.display(description=_("size (bytes)"))
    def size(self, mail: ReceivedMail) -> int:
        return len(mail.raw or b"")


@admin.register(MailFlood)
class MailFloodAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["hour", "kind", "scope", "value", "vehicle", "refused", "last_at"]
    list_filter = ["scope", "kind"]
    search_fields = ["value"]
    show_full_result_count = False

    def get_queryset(self, request):
        # The car a limited reply address is about, so staff can call its owner (one query).
        notice = Notice.objects.filter(reply_token=OuterRef("value"))
        return super().get_queryset(request).annotate(
            car_name=Subquery(notice.values("vehicle__car_name")[:1]),
            chassis_number=Subquery(notice.values("vehicle__chassis_number")[:1]),
        )

    @admin.display(description=_("vehicle"))
    def vehicle(self, flood: MailFlood) -> str:
        if flood.scope != MailFloodScope.KEY or not flood.chassis_number:  # type: ignore[attr-defined]
            return ""
        return f"{flood.car_name} {flood.chassis_number}"  # type: ignore[attr-defined]
