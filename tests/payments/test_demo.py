from __future__ import annotations

import pytest
from django.db.models import Count

from facepay import demo
from payments import demo as payments_demo
from payments import ledger
from payments.models import JournalEntry, PaymentAttempt, SettlementBatch


@pytest.mark.django_db
def test_seed_history_books_consistent_history_once() -> None:
    demo.seed_street(customers=12)
    booked = payments_demo.seed_history(days=14)
    assert booked > 100
    assert PaymentAttempt.objects.filter(status="captured").count() == booked
    assert SettlementBatch.objects.exists()
    repeaters = (
        PaymentAttempt.objects.values("store_id", "customer_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert repeaters.exists()
    report = ledger.verify_books()
    assert report.problems == []
    entries = JournalEntry.objects.count()
    assert payments_demo.seed_history(days=14) == 0
    assert JournalEntry.objects.count() == entries
