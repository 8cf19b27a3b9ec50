from django.urls import path

from credit import views

app_name = "credit"

urlpatterns = [
    path("", views.home, name="home"),
]

api_urlpatterns: list = []
