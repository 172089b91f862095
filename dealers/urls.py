"""Portal routes of the dealers app: the home redirect, staff management, store settings."""

from django.urls import path

from dealers.views import calendar, home, staff

app_name = "dealers"
urlpatterns = [
    path("", home.home, name="home"),
    path("favicon.ico", home.favicon, name="favicon"),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/invite/", staff.staff_invite_view, name="staff_invite"),
    path("staff/<int:user_id>/deactivate/", staff.staff_deactivate_view, name="staff_deactivate"),
    path("staff/invitations/<int:invitation_id>/revoke/", staff.invitation_revoke_view, name="invitation_revoke"),
    path("invite/<str:token>/", staff.invitation_accept_view, name="invitation_accept"),
]

# Store settings (business calendar and capacity), mounted at settings/ as the "settings" namespace.
settings_urlpatterns = (
    [
        path("", calendar.settings_index, name="index"),
        path("stores/<int:store_id>/", calendar.store_settings, name="store"),
        path("stores/<int:store_id>/hours/", calendar.store_hours, name="store_hours"),
        path("stores/<int:store_id>/capacity/", calendar.store_capacity, name="store_capacity"),
        path("stores/<int:store_id>/rules/", calendar.closing_rule_new, name="rule_add"),
        path("stores/<int:store_id>/rules/<int:closing_rule_id>/delete/", calendar.closing_rule_remove, name="rule_delete"),
        path("stores/<int:store_id>/exceptions/", calendar.exception_new, name="exception_add"),
        path(
            "stores/<int:store_id>/exceptions/<int:calendar_exception_id>/edit/", calendar.exception_edit, name="exception_edit"
        ),
        path(
            "stores/<int:store_id>/exceptions/<int:calendar_exception_id>/copy/", calendar.exception_copy, name="exception_copy"
        ),
        path(
            "stores/<int:store_id>/exceptions/<int:calendar_exception_id>/delete/",
            calendar.exception_remove,
            name="exception_delete",
        ),
    ],
    "settings",
)
