"""Every websocket route: the platform's own plus each app's routing.py."""

from django.urls import path

from customers import routing as customers_routing
from facepay.consumers import OpsFeedConsumer
from payments import routing as payments_routing

websocket_urlpatterns = [
    path("ws/ops/", OpsFeedConsumer.as_asgi()),
    *payments_routing.websocket_urlpatterns,
    *customers_routing.websocket_urlpatterns,
]
