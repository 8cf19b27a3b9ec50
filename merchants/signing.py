"""Terminal request signatures: HMAC-SHA256 over method, path, timestamp, nonce and body hash.

The string to sign is "METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256HEX(body)", where PATH is the
request path plus "?query" when there is one, exactly as sent; the signature is its lower-case
hex HMAC-SHA256 under the terminal's secret. The terminal page's JavaScript mirrors this.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER_TERMINAL_ID = "X-Terminal-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"


def string_to_sign(*, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The canonical text a signature covers."""
    body_hash = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, timestamp, nonce, body_hash])


def signature(
    *, secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes
) -> str:
    """Lower-case hex HMAC-SHA256 of the canonical text under `secret`."""
    message = string_to_sign(method=method, path=path, timestamp=timestamp, nonce=nonce, body=body)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def sign_request(
    *,
    secret: str,
    method: str,
    path: str,
    body: bytes | str = b"",
    timestamp: int | None = None,
    nonce: str | None = None,
    terminal_id: str | None = None,
) -> dict[str, str]:
    """Headers that authenticate one request (X-Terminal-Id only when `terminal_id` is given)."""
    raw_body = body.encode() if isinstance(body, str) else body
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    headers = {
        HEADER_TIMESTAMP: stamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(
            secret=secret, method=method, path=path, timestamp=stamp, nonce=nonce, body=raw_body
        ),
    }
    if terminal_id is not None:
        headers = {HEADER_TERMINAL_ID: terminal_id, **headers}
    return headers
