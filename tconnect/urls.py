"""Root URLs: each app's routes mounted once, in one list."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dealers import urls as dealers_urls
from dealers.views import operations as dealers_operations
from notifications import urls as notifications_urls
from notifications.views import operations as notifications_operations
from vehicles import urls as vehicles_urls

# A database or broker outage: JSON 503 on API paths, a short 503 page on the portal (dealers.views.errors).
handler500 = "dealers.views.errors.server_error"

api_v1 = [
    path("", include("vehicles.api.urls")),
    path("", include("notifications.api.urls")),
]

urlpatterns = [
    # Operators: liveness and readiness (public, no data), Prometheus (bearer token).
    path("healthz", dealers_operations.healthz, name="healthz"),
    path("readyz", dealers_operations.readyz, name="readyz"),
    path("metrics", notifications_operations.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("optout/", include(notifications_urls.optout_urlpatterns)),
    path("vehicles/", include("vehicles.urls")),
    path("recalls/", include(vehicles_urls.recall_urlpatterns)),
    path("settings/", include(dealers_urls.settings_urlpatterns)),
    # Staff portal: the dealers app's home and staff pages, and the cross-app pages (Today, event
    # mail, results, reminder schedule, appointments, inquiries, a vehicle's timeline).
    path("", include("dealers.urls")),
    path("", include("notifications.urls")),
]
