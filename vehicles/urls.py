from django.urls import path

from vehicles import views

app_name = "vehicles"
urlpatterns = [
    path("", views.vehicle_list, name="list"),
    path("<int:pk>/", views.vehicle_detail, name="detail"),
    path("<int:vehicle_id>/store/", views.vehicle_store_change, name="store_change"),
]
