"""Staff portal pages of the notifications app (mounted at the site root)."""

from django.urls import path

from notifications.views import events, results, settings, timeline, today

app_name = "notifications"
urlpatterns = [
    path("today/", today.today, name="today"),
    path("vehicles/<int:vehicle_id>/timeline/", timeline.vehicle_timeline_view, name="vehicle_timeline"),
    path("events/", events.event_list, name="events"),
    path("events/new/", events.event_new, name="event_new"),
    path("events/<int:event_id>/", events.event_detail, name="event"),
    path("events/<int:event_id>/schedule/", events.event_schedule_view, name="event_schedule"),
    path("events/<int:event_id>/cancel/", events.event_cancel_view, name="event_cancel"),
    path("results/", results.results, name="results"),
    path("results/funnel.csv", results.results_csv, name="results_csv"),
    path("settings/reminders/", settings.reminder_settings, name="reminder_settings"),
]
