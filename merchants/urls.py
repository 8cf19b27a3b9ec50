from django.urls import path

from merchants import api, views

app_name = "merchants"

urlpatterns = [
    path("", views.home, name="home"),
]

api_urlpatterns = [
    path("terminal/me", api.TerminalMeApi.as_view(), name="terminal_me"),
]
