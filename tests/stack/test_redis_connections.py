"""Issue 16: under uvicorn, requests share the process's Redis connections. Django keeps its
cache objects per request context under ASGI, and each built a connection pool of its own: every
signed terminal call (its nonce is claimed in the cache) opened a new Redis connection."""

from __future__ import annotations

import httpx
import pytest
import redis
from django.conf import settings

from merchants.signing import sign_request
from tests.merchants.factories import terminal_with_secret

pytestmark = pytest.mark.django_db(transaction=True)
CALLS = 40


def connections_received() -> int:
    return int(redis.Redis.from_url(settings.REDIS_URL).info("stats")["total_connections_received"])


def test_signed_calls_reuse_redis_connections(stack) -> None:  # type: ignore[no-untyped-def]
    credentials = terminal_with_secret()
    path = "/api/merchants/terminal/me"
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        client.get("/healthz")  # each uvicorn process past its first requests
        before = connections_received()
        for _ in range(CALLS):
            headers = sign_request(
                secret=credentials.secret,
                method="GET",
                path=path,
                body=b"",
                terminal_id=credentials.key_id,
            )
            assert client.get(path, headers=headers).status_code == 200
        opened = connections_received() - before - 1  # this test's own INFO connection

    # The worker's and the web processes' first connections may fall in the window; one per
    # call may not.
    assert opened < CALLS // 4, f"{opened} Redis connections for {CALLS} signed calls"
