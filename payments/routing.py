from django.urls import path

from payments import consumers
from payments.sales.consumers import DashboardConsumer

websocket_urlpatterns = [
    path("ws/payments/terminal/<int:terminal_id>/", consumers.TerminalStatusConsumer.as_asgi()),
    path("ws/payments/store/<int:store_id>/", consumers.StoreStatusConsumer.as_asgi()),
    path("ws/payments/customer/", consumers.CustomerStatusConsumer.as_asgi()),
    # The merchant dashboard's live feed (payments.sales), at its merchants address.
    path("ws/merchants/dashboard/", DashboardConsumer.as_asgi()),
]
