from django.urls import path

from vehicles.api import schema, views  # noqa: F401  (schema registers the OpenAPI security schemes)

urlpatterns = [
    path("vehicles/", views.StaffVehicleListApi.as_view(), name="api-staff-vehicles"),
    path("vehicles/<int:pk>/", views.StaffVehicleDetailApi.as_view(), name="api-staff-vehicle"),
    path("me/vehicles/", views.OwnerVehicleListApi.as_view(), name="api-owner-vehicles"),
    path("dcm/identity/", views.DcmIdentityApi.as_view(), name="api-dcm-identity"),
]

from vehicles.api import telemetry  # noqa: E402

urlpatterns += [
    path("dcm/telemetry/", telemetry.DcmTelemetryApi.as_view(), name="api-dcm-telemetry"),
]

from vehicles.api import health  # noqa: E402

urlpatterns += [
    path("me/vehicles/<int:pk>/health/", health.OwnerVehicleHealthApi.as_view(), name="api-owner-vehicle-health"),
    path("vehicles/<int:pk>/health/", health.StaffVehicleHealthApi.as_view(), name="api-staff-vehicle-health"),
]
