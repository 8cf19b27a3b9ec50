from django.urls import path

from payments import consumers

websocket_urlpatterns = [
    path("ws/payments/terminal/<int:terminal_id>/", consumers.TerminalStatusConsumer.as_asgi()),
    path("ws/payments/store/<int:store_id>/", consumers.StoreStatusConsumer.as_asgi()),
    path("ws/payments/customer/", consumers.CustomerStatusConsumer.as_asgi()),
]
