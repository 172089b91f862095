from django.urls import path

from notifications.api import reply_views

urlpatterns = [
    path("me/inbox/<int:notice_id>/reply/", reply_views.OwnerReplyApi.as_view(), name="api-owner-reply"),
    path("dcm/inbox/<int:notice_id>/reply/", reply_views.VehicleReplyApi.as_view(), name="api-dcm-reply"),
]
