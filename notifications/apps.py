from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The vehicles layer reports new warnings through a hook instead of importing upward;
        # the warning notice (and its follow-up) are queued from here.
        from notifications.services.demo import demo_seeded
        from notifications.services.service_records import notices_cancel_for_service_records
        from notifications.services.warning_notices import warning_notices_queue
        from vehicles.demo.seed import demo_seeded_subscribe
        from vehicles.services.service_records import service_records_applied_subscribe
        from vehicles.services.warning_hooks import warnings_opened_subscribe

        warnings_opened_subscribe(warning_notices_queue)
        # A fresh demo has the day's activity (notices, replies, a booked visit, follow-ups).
        demo_seeded_subscribe(demo_seeded)
        # A service record cancels the pending notices of the old expiry / the month done,
        # in the transaction that records it.
        service_records_applied_subscribe(notices_cancel_for_service_records)
