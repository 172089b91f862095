"""API routes of the vehicles app: staff and owner vehicle data, the DCM's identity and telemetry."""

from django.urls import path

from vehicles.api import health, schema, service_records, telemetry, vehicles  # noqa: F401  (schema registers the OpenAPI security schemes)

urlpatterns = [
    path("vehicles/", vehicles.StaffVehicleListApi.as_view(), name="api-staff-vehicles"),
    path("vehicles/<int:pk>/", vehicles.StaffVehicleDetailApi.as_view(), name="api-staff-vehicle"),
    path("vehicles/<int:pk>/health/", health.StaffVehicleHealthApi.as_view(), name="api-staff-vehicle-health"),
    path("me/vehicles/", vehicles.OwnerVehicleListApi.as_view(), name="api-owner-vehicles"),
    path("me/vehicles/<int:pk>/health/", health.OwnerVehicleHealthApi.as_view(), name="api-owner-vehicle-health"),
    path(
        "me/vehicles/<int:pk>/service-history/", service_records.OwnerServiceHistoryApi.as_view(),
        name="api-owner-vehicle-service-history",
    ),
    path("dcm/identity/", vehicles.DcmIdentityApi.as_view(), name="api-dcm-identity"),
    path("dcm/telemetry/", telemetry.DcmTelemetryApi.as_view(), name="api-dcm-telemetry"),
]
