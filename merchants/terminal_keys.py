"""Terminal secrets: issued, sealed at rest with facepay.crypto, opened only to verify HMACs."""

from __future__ import annotations

import secrets

from facepay import crypto
from merchants.models import Terminal

KEY_ID_PREFIX = "term_"


def new_key_id() -> str:
    return KEY_ID_PREFIX + secrets.token_hex(8)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _aad(key_id: str) -> bytes:
    return f"terminal-secret:{key_id}".encode()


def seal_secret(*, key_id: str, secret: str) -> str:
    return crypto.seal(secret.encode(), aad=_aad(key_id))


def terminal_secret(terminal: Terminal) -> str:
    """The terminal's current secret in clear; only the authenticator needs this."""
    return crypto.unseal(terminal.secret_sealed, aad=_aad(terminal.key_id or "")).decode()
