"""API routes of the notifications app: the inboxes of the owner app and the navigation unit,
and replies to notices from both."""

from django.urls import path

from notifications.api import inbox, replies

urlpatterns = [
    path("me/inbox/", inbox.OwnerInboxListApi.as_view(), name="api-owner-inbox"),
    path("me/inbox/<int:pk>/", inbox.OwnerInboxItemApi.as_view(), name="api-owner-inbox-item"),
    path("me/inbox/<int:pk>/read/", inbox.OwnerInboxReadApi.as_view(), name="api-owner-inbox-read"),
    path("me/inbox/<int:notice_id>/reply/", replies.OwnerReplyApi.as_view(), name="api-owner-reply"),
    path("dcm/inbox/", inbox.VehicleInboxListApi.as_view(), name="api-dcm-inbox"),
    path("dcm/inbox/<int:pk>/", inbox.VehicleInboxItemApi.as_view(), name="api-dcm-inbox-item"),
    path("dcm/inbox/<int:pk>/read/", inbox.VehicleInboxReadApi.as_view(), name="api-dcm-inbox-read"),
    path("dcm/inbox/<int:notice_id>/reply/", replies.VehicleReplyApi.as_view(), name="api-dcm-reply"),
]
