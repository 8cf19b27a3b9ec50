from django.urls import path

from merchants.consumers import DashboardConsumer

websocket_urlpatterns = [
    path("ws/merchants/dashboard/", DashboardConsumer.as_asgi()),
]
