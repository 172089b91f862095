from django.urls import path

from dealers import views, views_staff

app_name = "dealers"
urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", views_staff.staff_list, name="staff"),
    path("staff/invite/", views_staff.staff_invite_view, name="staff_invite"),
    path("staff/<int:user_id>/deactivate/", views_staff.staff_deactivate_view, name="staff_deactivate"),
    path(
        "staff/invitations/<int:invitation_id>/revoke/", views_staff.invitation_revoke_view, name="invitation_revoke"
    ),
    path("invite/<str:token>/", views_staff.invitation_accept_view, name="invitation_accept"),
]
