from django.urls import path

from notifications import optout_views

app_name = "optout"
urlpatterns = [
    path("<str:token>/", optout_views.optout, name="confirm"),
]
