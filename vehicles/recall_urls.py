from django.urls import path

from vehicles.views import recalls

app_name = "recalls"
urlpatterns = [
    path("", recalls.campaign_list, name="campaigns"),
    path("<int:campaign_id>/", recalls.campaign_detail, name="campaign"),
    path("targets/<int:recall_target_id>/done/", recalls.target_mark_done, name="target_done"),
    path("targets/<int:recall_target_id>/not-applicable/", recalls.target_not_applicable, name="target_not_applicable"),
]
