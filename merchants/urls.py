from django.urls import path

from merchants import views

app_name = "merchants"

urlpatterns = [
    path("", views.home, name="home"),
]

api_urlpatterns: list = []
