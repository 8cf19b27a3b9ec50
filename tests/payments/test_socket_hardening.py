"""Issue 14, finding 10: an open socket re-checks its viewer on each event, so a cashier taken
off a store stops receiving that store's payments at once."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from facepay.models import User
from merchants import services as merchant_services
from payments.routing import websocket_urlpatterns
from payments.sales.consumers import DashboardConsumer
from tests.merchants.factories import StoreStaffFactory, capture_payment, terminal_with_secret

pytestmark = pytest.mark.django_db(transaction=True)


def socket_for(user: User, path: str) -> WebsocketCommunicator:
    if path.startswith("/ws/merchants/dashboard/"):
        application = DashboardConsumer.as_asgi()
    else:
        application = URLRouter(websocket_urlpatterns)
    socket = WebsocketCommunicator(application, path)
    socket.scope["user"] = user
    return socket


@pytest.mark.parametrize("feed", ["store", "terminal", "dashboard"])
def test_a_removed_cashier_s_open_socket_is_closed_on_the_next_event(feed: str) -> None:
    terminal = terminal_with_secret().terminal
    assignment = StoreStaffFactory(store=terminal.store)
    cashier, owner = assignment.user, terminal.store.merchant.owner
    path = {
        "store": f"/ws/payments/store/{terminal.store_id}/",
        "terminal": f"/ws/payments/terminal/{terminal.pk}/",
        "dashboard": "/ws/merchants/dashboard/",
    }[feed]

    async def scenario() -> tuple[dict, bool]:
        socket = socket_for(cashier, path)
        connected, _ = await socket.connect()
        assert connected
        await database_sync_to_async(merchant_services.staff_remove)(
            actor=owner, assignment=assignment
        )
        await database_sync_to_async(capture_payment)(terminal=terminal, amount_minor=1250)
        first = await socket.receive_output(timeout=5)
        is_quiet = await socket.receive_nothing(timeout=0.5)
        return first, is_quiet

    first, is_quiet = async_to_sync(scenario)()

    assert first == {"type": "websocket.close", "code": 4403}
    assert is_quiet


def test_a_cashier_still_on_the_store_keeps_receiving_its_payments() -> None:
    terminal = terminal_with_secret().terminal
    cashier = StoreStaffFactory(store=terminal.store).user

    async def scenario() -> dict:
        socket = socket_for(cashier, f"/ws/payments/store/{terminal.store_id}/")
        connected, _ = await socket.connect()
        assert connected
        await database_sync_to_async(capture_payment)(terminal=terminal, amount_minor=1250)
        message = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return message

    message = async_to_sync(scenario)()
    assert message["type"] == "payment.status"
    assert message["attempt"]["amount_minor"] == 1250
