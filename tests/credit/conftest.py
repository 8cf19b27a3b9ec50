"""Credit fixtures: the seeded demo street with a fixed clock, built once per test module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import override_settings

from facepay import crypto, demo
from payments import demo as payments_demo
from tests.conftest import TEST_DATA_KEYS

SEED_NOW = datetime(2026, 11, 15, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SCORED_MONTH = date(2026, 10, 1)  # the last complete month at SEED_NOW


@pytest.fixture(scope="module")
def seeded_street(django_db_setup: None, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The demo street with 200 days of deterministic history ending at SEED_NOW.

    Seeding takes tens of seconds, so it happens once per module inside an outer transaction
    that is rolled back at the end; each test's own transaction nests inside it.
    """
    with (
        override_settings(FACEPAY_DATA_KEYS=[TEST_DATA_KEYS]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        crypto._key_ring.cache_clear()
        demo.seed_street(customers=30)
        payments_demo.seed_history(days=200, now=SEED_NOW)
        yield
        transaction.set_rollback(True)
    crypto._key_ring.cache_clear()
