"""Every websocket route: the platform's own plus each app's routing.py."""

from django.urls import path

from facepay.consumers import OpsFeedConsumer

websocket_urlpatterns = [
    path("ws/ops/", OpsFeedConsumer.as_asgi()),
]
