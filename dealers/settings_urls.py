from django.urls import path

from dealers import views_settings as views

app_name = "settings"
urlpatterns = [
    path("", views.settings_index, name="index"),
    path("stores/<int:store_id>/", views.store_settings, name="store"),
    path("stores/<int:store_id>/hours/", views.store_hours, name="store_hours"),
    path("stores/<int:store_id>/capacity/", views.store_capacity, name="store_capacity"),
    path("stores/<int:store_id>/rules/", views.closing_rule_new, name="rule_add"),
    path("stores/<int:store_id>/rules/<int:closing_rule_id>/delete/", views.closing_rule_remove, name="rule_delete"),
    path("stores/<int:store_id>/exceptions/", views.exception_new, name="exception_add"),
    path("stores/<int:store_id>/exceptions/<int:calendar_exception_id>/delete/", views.exception_remove, name="exception_delete"),
]
