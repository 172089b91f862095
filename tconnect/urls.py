from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_v1 = [
    path("", include("vehicles.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("vehicles/", include("vehicles.urls")),
    path("", include("dealers.urls")),
]

# One-click opt-out from advertising mail (public, no login; RFC 8058).
urlpatterns += [path("optout/", include("notifications.optout_urls"))]

# Inbox API of the owner app and the navigation unit (extends the /api/v1/ list in place).
api_v1 += [path("", include("notifications.api.urls"))]

# Replies to notices from the app and the navigation unit (book / ask / cancel / change).
api_v1 += [path("", include("notifications.api.reply_urls"))]

# Staff portal: recalls, store settings, and the cross-app pages (Today, event mail, results,
# reminder schedule, a vehicle's timeline) that live in the top layer.
urlpatterns += [
    path("recalls/", include("vehicles.recall_urls")),
    path("settings/", include("dealers.settings_urls")),
    path("", include("notifications.portal_urls")),
]
