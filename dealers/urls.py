from django.urls import path

from dealers import views

app_name = "dealers"
urlpatterns = [
    path("", views.home, name="home"),
]
