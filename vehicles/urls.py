from django.urls import path

from vehicles import views

app_name = "vehicles"
urlpatterns = [
    path("", views.vehicle_list, name="list"),
    path("<int:pk>/", views.vehicle_detail, name="detail"),
    path("<int:vehicle_id>/store/", views.vehicle_store_change, name="store_change"),
]

# e-Care follow-ups (call-center agents too: tests/test_outsider_walk.py CALL_CENTER_ROUTES).
from vehicles import views_followups  # noqa: E402

urlpatterns += [
    path("followups/", views_followups.followup_queue_view, name="followups"),
    path("followups/<int:followup_id>/", views_followups.followup_detail, name="followup"),
    path("followups/<int:followup_id>/call/", views_followups.followup_call, name="followup_call"),
    path("followups/<int:followup_id>/close/", views_followups.followup_close_view, name="followup_close"),
    path("followups/<int:followup_id>/book/", views_followups.followup_book, name="followup_book"),
]
