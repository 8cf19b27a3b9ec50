"""The foundation on the real stack: health, and worker → channels-redis → ASGI → browser."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from facepay.models import User
from facepay.tasks import ops_ping_task
from tests.facepay.factories import UserFactory
from tests.stack.conftest import Stack

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_on_the_live_server_sees_postgres_redis_broker_and_channels(stack: Stack) -> None:
    response = httpx.get(f"{stack.base_url}/healthz", timeout=10)
    assert response.status_code == 200, response.text
    components = response.json()["components"]
    assert components["database"] == {"ok": True, "vendor": "postgresql"}
    assert components["cache"]["backend"] == "RedisCache"
    assert components["celery_broker"]["mode"] == "broker"
    assert components["channel_layer"]["backend"] == "RedisChannelLayer"
    assert all(component["ok"] for component in components.values())


def test_task_in_the_worker_reaches_a_websocket_client_within_a_second(stack: Stack) -> None:
    operator = UserFactory(role=User.Role.OPERATOR)
    cookie = stack.session_cookie(operator)
    with connect(
        f"{stack.ws_url}/ws/ops/",
        additional_headers={
            "Cookie": f"sessionid={cookie}",
            "Origin": stack.base_url,
        },
        open_timeout=10,
    ) as socket:
        nonce = uuid.uuid4().hex
        started = time.perf_counter()
        ops_ping_task.delay(nonce=nonce)
        event = json.loads(socket.recv(timeout=5))
        elapsed = time.perf_counter() - started
    assert event["nonce"] == nonce
    sender = Path(f"/proc/{event['pid']}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    assert "celery" in sender, sender  # sent by the worker process
    assert "worker" in sender, sender
    print(f"worker → websocket: {elapsed * 1000:.1f} ms")  # noqa: T201
    assert elapsed < 1.0


def test_websocket_feed_refuses_a_visitor_who_is_not_an_operator(stack: Stack) -> None:
    customer = UserFactory(role=User.Role.CUSTOMER)
    cookie = stack.session_cookie(customer)
    with pytest.raises(InvalidStatus) as refused:
        connect(
            f"{stack.ws_url}/ws/ops/",
            additional_headers={
                "Cookie": f"sessionid={cookie}",
                "Origin": stack.base_url,
            },
            open_timeout=10,
        )
    assert refused.value.response.status_code == 403
