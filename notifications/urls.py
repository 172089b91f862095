"""Portal routes of the notifications app (mounted at the site root), and the public opt-out page."""

from django.urls import path

from notifications.views import (
    appointments,
    events,
    funnel,
    inquiries,
    optout,
    reminder_pacing,
    schedules,
    timeline,
    today,
)
from vehicles.views import service_records

app_name = "notifications"
urlpatterns = [
    path("today/", today.today, name="today"),
    path("vehicles/<int:vehicle_id>/timeline/", timeline.vehicle_timeline_view, name="vehicle_timeline"),
    path("events/", events.event_list, name="events"),
    path("events/new/", events.event_new, name="event_new"),
    path("events/<int:event_id>/", events.event_detail, name="event"),
    path("events/<int:event_id>/schedule/", events.event_schedule_view, name="event_schedule"),
    path("events/<int:event_id>/cancel/", events.event_cancel_view, name="event_cancel"),
    path("results/", funnel.results, name="results"),
    path("results/funnel.csv", funnel.results_csv, name="results_csv"),
    path("settings/reminders/", schedules.reminder_settings, name="reminder_settings"),
    path("settings/stores/<int:store_id>/forecast/", reminder_pacing.pacing_forecast, name="pacing_forecast"),
    path("appointments/", appointments.appointment_day, name="appointments"),
    path("appointments/week/", appointments.appointment_week, name="appointments_week"),
    path("appointments/month/", appointments.appointment_month, name="appointments_month"),
    path("appointments/new/", appointments.appointment_phone_new, name="appointment_phone_new"),
    path("appointments/<int:appointment_id>/move/", appointments.appointment_move_view, name="appointment_move"),
    path("appointments/<int:appointment_id>/confirm/", appointments.appointment_action, {"action": "confirm"},
         name="appointment_confirm"),
    path("appointments/<int:appointment_id>/arrived/", appointments.appointment_action, {"action": "arrived"},
         name="appointment_arrived"),
    # Completing asks what was done (the service record, vehicles.views.service_records).
    path("appointments/<int:appointment_id>/completed/", service_records.appointment_complete, name="appointment_completed"),
    path("appointments/<int:appointment_id>/no-show/", appointments.appointment_action, {"action": "no_show"},
         name="appointment_no_show"),
    path("appointments/<int:appointment_id>/cancel/", appointments.appointment_cancel_view, name="appointment_cancel"),
    path("appointments/<int:appointment_id>/propose/", appointments.appointment_propose_view, name="appointment_propose"),
    path("inquiries/", inquiries.inquiry_queue, name="inquiries"),
    path("inquiries/<int:inquiry_id>/", inquiries.inquiry_detail, name="inquiry"),
    path("inquiries/<int:inquiry_id>/close/", inquiries.inquiry_close_view, name="inquiry_close"),
]

# One-click opt-out from advertising mail (public, no login; RFC 8058), mounted at optout/.
optout_urlpatterns = ([path("<str:token>/", optout.optout, name="confirm")], "optout")
