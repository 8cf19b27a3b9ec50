import base64

import pytest
from cryptography.exceptions import InvalidTag

from facepay import crypto


def test_seal_round_trips_and_binds_the_owner() -> None:
    token = crypto.seal(b"6222 0212 3456 7890", aad=b"merchant:1")
    assert b"6222" not in token.encode()
    assert crypto.unseal(token, aad=b"merchant:1") == b"6222 0212 3456 7890"
    with pytest.raises(InvalidTag):
        crypto.unseal(token, aad=b"merchant:2")


def test_rotated_key_ring_still_opens_old_data(settings) -> None:  # type: ignore[no-untyped-def]
    old, new = (base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2))
    settings.FACEPAY_DATA_KEYS = [f"k1:{old}"]
    crypto._key_ring.cache_clear()
    token = crypto.seal(b"secret")
    assert token.split(":")[1] == "k1"
    settings.FACEPAY_DATA_KEYS = [f"k2:{new}", f"k1:{old}"]
    crypto._key_ring.cache_clear()
    assert crypto.current_key_id() == "k2"
    assert crypto.unseal(token) == b"secret"
    assert crypto.seal(b"x").split(":")[1] == "k2"


def test_destroyed_data_key_makes_the_data_unreadable() -> None:
    data_key = crypto.new_data_key()
    blob = crypto.encrypt(data_key, b"template bytes", aad=b"template:7")
    with pytest.raises(InvalidTag):
        crypto.decrypt(crypto.new_data_key(), blob, aad=b"template:7")
