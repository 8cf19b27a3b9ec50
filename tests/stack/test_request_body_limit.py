"""Issue 14, finding 8, on the real server (uvicorn): an anonymous chunked upload is cut off with
413 once it passes FACEPAY_MAX_REQUEST_BYTES (20 MiB), long before 1 GiB has been sent."""

from __future__ import annotations

import select
import socket
from urllib.parse import urlparse

MIB = 1024 * 1024


def test_an_anonymous_chunked_upload_is_refused_413_early(stack) -> None:  # type: ignore[no-untyped-def]
    address = urlparse(stack.base_url)
    chunk = b"x" * MIB
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    answer = b""
    with socket.create_connection((address.hostname, address.port), timeout=30) as conn:
        conn.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        try:
            while sent < 1024 * MIB:
                conn.sendall(frame)
                sent += len(chunk)
                if select.select([conn], [], [], 0)[0]:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        conn.settimeout(10)
        while b"\r\n\r\n" not in answer:
            part = conn.recv(65536)
            if not part:
                break
            answer += part

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 64 * MIB, f"{sent // MIB} MiB were sent before the refusal"
