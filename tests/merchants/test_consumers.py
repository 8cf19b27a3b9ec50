"""The dashboard socket: who may open it, and a capture arriving with today's figures."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from facepay.models import User
from payments.sales.consumers import DashboardConsumer
from tests.facepay.factories import UserFactory
from tests.merchants.factories import StoreStaffFactory, capture_payment, terminal_with_secret

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(user: User | None, query: str = "") -> WebsocketCommunicator:
    path = "/ws/merchants/dashboard/" + (f"?{query}" if query else "")
    comm = WebsocketCommunicator(DashboardConsumer.as_asgi(), path)
    comm.scope["user"] = user
    comm.scope["query_string"] = query.encode()
    return comm


def test_dashboard_consumer_forwards_a_capture_with_todays_figures() -> None:
    terminal = terminal_with_secret().terminal
    owner = terminal.store.merchant.owner

    async def scenario() -> dict:
        socket = communicator(owner)
        connected, _ = await socket.connect()
        assert connected
        await database_sync_to_async(capture_payment)(terminal=terminal, amount_minor=1250)
        message = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return message

    message = async_to_sync(scenario)()
    assert message["type"] == "payment.status"
    assert message["attempt"]["status"] == "captured"
    assert message["attempt"]["amount_minor"] == 1250
    assert message["attempt"]["store_id"] == terminal.store_id
    assert "customer_name" not in message["attempt"]
    assert message["today"]["payments"] == 1
    assert message["today"]["gross_minor"] == 1250
    assert message["today"]["unique_customers"] == 1


@pytest.mark.parametrize("role", ["customer", "finance_reviewer", "anonymous", "other_cashier"])
def test_dashboard_consumer_refuses_outsiders(role: str) -> None:
    assignment = StoreStaffFactory()
    if role == "anonymous":
        user = None
    elif role == "other_cashier":
        user = StoreStaffFactory().user
    else:
        user = UserFactory(role=role)
    query = f"store={assignment.store_id}" if role == "other_cashier" else ""

    async def scenario() -> tuple[bool, int | None]:
        socket = communicator(user, query)
        connected, code = await socket.connect()
        await socket.disconnect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert not connected
    assert code == 4403
