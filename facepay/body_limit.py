"""ASGI middleware: request bodies over FACEPAY_MAX_REQUEST_BYTES are refused with 413 before
Django reads (and spools to disk) any of them.

A declared Content-Length over the limit is answered at once, without reading the body; a
chunked body is counted as it streams in, and the request is cut off at the first chunk that
passes the limit (Django sees a disconnect and stops; this middleware answers 413).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]  # any ASGI app (Django's handler types its own)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    message = f"The request body is larger than {limit} bytes."
    if scope.get("path", "").startswith("/api/"):
        error = {"code": "request_too_large", "message": message, "extra": {"limit": limit}}
        body, content_type = json.dumps({"error": error}).encode(), b"application/json"
    else:
        body, content_type = message.encode(), b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimitMiddleware:
    """Wraps the HTTP application; other protocols pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = settings.FACEPAY_MAX_REQUEST_BYTES
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        is_over = False
        has_started = False

        async def counted_receive() -> Message:
            nonlocal received, is_over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    is_over = True
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal has_started
            if message["type"] == "http.response.start":
                has_started = True
            await send(message)

        await self.app(scope, counted_receive, tracked_send)
        if is_over and not has_started:
            await _refuse(scope, send, limit)
