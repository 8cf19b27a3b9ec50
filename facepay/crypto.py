"""Envelope encryption at rest (AES-256-GCM).

Key-encryption keys (KEKs) come from `FACEPAY_DATA_KEYS` ("id:base64-32-bytes", comma-separated,
first one current). Each record (or each customer) gets its own random data key, stored only
wrapped by a KEK together with that KEK's id, so KEKs rotate without re-encrypting data and
destroying a data key makes everything encrypted under it unreadable (crypto-shredding).
Embedded mode without keys derives a local KEK from SECRET_KEY; production refuses to run so.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
LOCAL_KEY_ID = "local"


@dataclass(frozen=True)
class WrappedKey:
    key_id: str  # which KEK wrapped it: kept beside the data for rotation
    blob: bytes  # nonce + AES-GCM(KEK, data key)


@cache
def _key_ring() -> tuple[str, dict[str, bytes]]:
    entries = [entry.strip() for entry in settings.FACEPAY_DATA_KEYS if entry.strip()]
    if not entries:
        if not settings.DEBUG:
            raise ImproperlyConfigured("FACEPAY_DATA_KEYS must be set outside DEBUG.")
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"facepay-kek", info=b"embedded"
        ).derive(settings.SECRET_KEY.encode())
        return LOCAL_KEY_ID, {LOCAL_KEY_ID: derived}
    ring: dict[str, bytes] = {}
    for entry in entries:
        key_id, _, encoded = entry.partition(":")
        key = base64.b64decode(encoded)
        if not key_id or len(key) != 32:
            raise ImproperlyConfigured("Each FACEPAY_DATA_KEYS entry is id:base64 of 32 bytes.")
        ring[key_id] = key
    return entries[0].partition(":")[0], ring


def current_key_id() -> str:
    return _key_ring()[0]


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def encrypt(key: bytes, plaintext: bytes, *, aad: bytes = b"") -> bytes:
    """nonce + ciphertext/tag. `aad` binds the ciphertext to its owner (e.g. b"template:42")."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, *, aad: bytes = b"") -> bytes:
    """Inverse of encrypt; raises cryptography's InvalidTag if the blob or aad was altered."""
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)


def wrap_key(data_key: bytes) -> WrappedKey:
    key_id, ring = _key_ring()
    return WrappedKey(key_id=key_id, blob=encrypt(ring[key_id], data_key, aad=key_id.encode()))


def unwrap_key(wrapped: WrappedKey) -> bytes:
    ring = _key_ring()[1]
    if wrapped.key_id not in ring:
        raise ImproperlyConfigured(f"Key {wrapped.key_id!r} is not in FACEPAY_DATA_KEYS.")
    return decrypt(ring[wrapped.key_id], wrapped.blob, aad=wrapped.key_id.encode())


def seal(plaintext: bytes, *, aad: bytes = b"") -> str:
    """One self-contained encrypted field (its own data key): "v1:<kek id>:<b64 key>:<b64 data>"."""
    data_key = new_data_key()
    wrapped = wrap_key(data_key)
    data = encrypt(data_key, plaintext, aad=aad)
    return ":".join(
        [
            "v1",
            wrapped.key_id,
            base64.b64encode(wrapped.blob).decode(),
            base64.b64encode(data).decode(),
        ]
    )


def unseal(token: str, *, aad: bytes = b"") -> bytes:
    version, key_id, wrapped_blob, data = token.split(":")
    if version != "v1":
        raise ValueError(f"Unknown sealed-field version {version!r}.")
    data_key = unwrap_key(WrappedKey(key_id=key_id, blob=base64.b64decode(wrapped_blob)))
    return decrypt(data_key, base64.b64decode(data), aad=aad)
