from django.urls import path

from notifications.api import views

urlpatterns = [
    path("me/inbox/", views.OwnerInboxListApi.as_view(), name="api-owner-inbox"),
    path("me/inbox/<int:pk>/", views.OwnerInboxItemApi.as_view(), name="api-owner-inbox-item"),
    path("me/inbox/<int:pk>/read/", views.OwnerInboxReadApi.as_view(), name="api-owner-inbox-read"),
    path("dcm/inbox/", views.VehicleInboxListApi.as_view(), name="api-dcm-inbox"),
    path("dcm/inbox/<int:pk>/", views.VehicleInboxItemApi.as_view(), name="api-dcm-inbox-item"),
    path("dcm/inbox/<int:pk>/read/", views.VehicleInboxReadApi.as_view(), name="api-dcm-inbox-read"),
]
