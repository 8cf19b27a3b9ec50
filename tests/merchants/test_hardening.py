"""Issue 14, finding 11: a cap on the terminals a merchant may register in one day."""

from __future__ import annotations

import pytest

from merchants import services
from merchants.errors import TerminalLimitReached
from merchants.models import Terminal
from tests.merchants.factories import StoreFactory


@pytest.mark.django_db
def test_terminal_register_refuses_more_new_terminals_a_day_than_the_cap(settings) -> None:
    settings.FACEPAY_MAX_NEW_TERMINALS_PER_DAY = 3
    store = StoreFactory()
    other_store = StoreFactory(merchant=store.merchant)
    owner = store.merchant.owner
    for index in range(3):
        services.terminal_register(
            actor=owner, store=store if index else other_store, name=f"Counter {index}"
        )

    with pytest.raises(TerminalLimitReached) as caught:
        services.terminal_register(actor=owner, store=store, name="One too many")

    assert caught.value.code == "terminal_limit_reached"
    assert caught.value.http_status == 429
    assert Terminal.objects.filter(store__merchant=store.merchant).count() == 3
    other = StoreFactory()
    services.terminal_register(actor=other.merchant.owner, store=other, name="Counter")
