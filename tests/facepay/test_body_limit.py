"""Issue 14, finding 8: a body over FACEPAY_MAX_REQUEST_BYTES is refused with 413 in the ASGI
stack, before Django has read it (an anonymous chunked upload used to be spooled whole)."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from facepay.asgi import application

MIB = 1024 * 1024


def scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, object]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


@pytest.mark.django_db
def test_a_chunked_body_over_the_limit_is_refused_before_it_is_all_sent(settings) -> None:
    settings.FACEPAY_MAX_REQUEST_BYTES = 4 * MIB
    chunk = b"x" * MIB

    async def scenario() -> tuple[int, int]:
        server = ApplicationCommunicator(
            application,
            scope("/accounts/login/", [(b"transfer-encoding", b"chunked")]),
        )
        sent = 0
        for _ in range(64):  # up to 64 MiB; the limit is 4
            await server.send_input({"type": "http.request", "body": chunk, "more_body": True})
            sent += len(chunk)
            if not await server.receive_nothing(timeout=0.05):
                break
        start = await server.receive_output(timeout=5)
        return start["status"], sent

    status, sent = async_to_sync(scenario)()

    assert status == 413
    assert sent <= 5 * MIB


@pytest.mark.django_db
def test_a_declared_length_over_the_limit_is_answered_413_at_once_with_the_api_shape(
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.FACEPAY_MAX_REQUEST_BYTES = 4 * MIB

    async def scenario() -> tuple[dict, dict]:
        server = ApplicationCommunicator(
            application,
            scope("/api/customers/signup", [(b"content-length", str(1024 * MIB).encode())]),
        )
        start = await server.receive_output(timeout=5)
        body = await server.receive_output(timeout=5)
        return start, body

    start, body = async_to_sync(scenario)()

    assert start["status"] == 413
    assert json.loads(body["body"])["error"]["code"] == "request_too_large"


@pytest.mark.django_db
def test_a_body_under_the_limit_reaches_django(settings) -> None:
    settings.FACEPAY_MAX_REQUEST_BYTES = 4 * MIB

    async def scenario() -> int:
        server = ApplicationCommunicator(application, scope("/accounts/login/", []))
        await server.send_input(
            {"type": "http.request", "body": b"username=a&password=b", "more_body": False}
        )
        return (await server.receive_output(timeout=10))["status"]

    assert async_to_sync(scenario)() == 403  # Django's CSRF answer: the body got through
