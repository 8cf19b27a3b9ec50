"""Face templates at rest: float32 vectors sealed with AES-GCM under the customer's data key."""

from __future__ import annotations

import numpy as np

from customers.models import Customer, FaceTemplate
from facepay import crypto


def template_aad(customer_id: int) -> bytes:
    # Binds a ciphertext to its owner: a template copied onto another customer will not open.
    return f"template:{customer_id}".encode()


def customer_data_key(customer: Customer) -> bytes | None:
    """The customer's unwrapped data key, or None when there is none (never made, or destroyed)."""
    if not customer.data_key_blob or not customer.data_key_id:
        return None
    return crypto.unwrap_key(
        crypto.WrappedKey(key_id=customer.data_key_id, blob=bytes(customer.data_key_blob))
    )


def seal_embedding(*, data_key: bytes, customer_id: int, embedding: np.ndarray) -> bytes:
    vector = np.asarray(embedding, dtype="<f4").reshape(-1)
    return crypto.encrypt(data_key, vector.tobytes(), aad=template_aad(customer_id))


def unseal_embedding(*, data_key: bytes, template: FaceTemplate) -> np.ndarray:
    """Decrypt one template; raises cryptography's InvalidTag when key, data or owner differ."""
    plain = crypto.decrypt(
        data_key, bytes(template.sealed_embedding), aad=template_aad(template.customer_id)
    )
    return np.frombuffer(plain, dtype="<f4").astype(np.float32)
