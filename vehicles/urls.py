"""Portal routes of the vehicles app: vehicles, e-Care follow-ups, recalls."""

from django.urls import path

from vehicles.views import capacity, followups, maintenance, recalls, service_records, vehicles

app_name = "vehicles"
urlpatterns = [
    path("", vehicles.vehicle_list, name="list"),
    path("<int:pk>/", vehicles.vehicle_detail, name="detail"),
    path("<int:vehicle_id>/store/", vehicles.vehicle_store_change, name="store_change"),
    # The company's maintenance menu (company admins edit, store staff read).
    path("maintenance/", maintenance.menu, name="maintenance_menu"),
    path("maintenance/new/", maintenance.item_edit, name="maintenance_item_new"),
    path("maintenance/<int:maintenance_item_id>/", maintenance.item_edit, name="maintenance_item"),
    path("<int:vehicle_id>/service-records/new/", service_records.service_record_new, name="service_record_new"),
    path("work-types/", capacity.work_types_view, name="work_types"),
    # e-Care follow-ups (call-center agents too: tests/test_outsider_walk.py CALL_CENTER_ROUTES).
    path("followups/", followups.followup_queue_view, name="followups"),
    path("followups/<int:followup_id>/", followups.followup_detail, name="followup"),
    path("followups/<int:followup_id>/call/", followups.followup_call, name="followup_call"),
    path("followups/<int:followup_id>/close/", followups.followup_close_view, name="followup_close"),
    path("followups/<int:followup_id>/book/", followups.followup_book, name="followup_book"),
]

# Recall campaigns and their targets, mounted at recalls/ as the "recalls" namespace.
recall_urlpatterns = (
    [
        path("", recalls.campaign_list, name="campaigns"),
        path("<int:campaign_id>/", recalls.campaign_detail, name="campaign"),
        path("targets/<int:recall_target_id>/done/", recalls.target_mark_done, name="target_done"),
        path(
            "targets/<int:recall_target_id>/not-applicable/", recalls.target_not_applicable, name="target_not_applicable"
        ),
    ],
    "recalls",
)
