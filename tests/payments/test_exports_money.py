"""Issue 15, item 8: settlements.csv shows yuan with two decimals beside the fen columns, and
reconciliation.csv gives Asia/Shanghai times with the zone named in the header."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from merchants.models import Store
from payments import services
from payments.models import PaymentAttempt, SettlementBatch
from tests.merchants.factories import MerchantFactory, TerminalFactory, capture_payment

pytestmark = pytest.mark.django_db


def settled_batch() -> SettlementBatch:
    merchant = MerchantFactory(fee_rate_bps=60)
    terminal = TerminalFactory(store__merchant=merchant)
    payment = capture_payment(terminal=terminal, amount_minor=13_964)
    captured_at = datetime(2026, 11, 29, 17, 30, 0, tzinfo=UTC)  # 01:30 on the 30th in Shanghai
    PaymentAttempt.objects.filter(pk=payment.pk).update(captured_at=captured_at)
    services.settlement_batch_create(
        merchant_id=merchant.pk, currency="CNY", cutoff=datetime(2026, 11, 30, 16, tzinfo=UTC)
    )
    return SettlementBatch.objects.get(merchant=merchant)


def rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    content = getattr(response, "streaming_content", None)
    body = b"".join(content) if content is not None else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def test_settlements_csv_has_yuan_columns_beside_fen() -> None:
    batch = settled_batch()
    client = Client()
    client.force_login(Store.objects.get(merchant=batch.merchant).merchant.owner)
    header, line = rows(client.get(reverse("merchants:settlements_csv")))
    record = dict(zip(header, line, strict=True))
    assert record["gross_minor"] == "13964"
    assert record["gross"] == "139.64"
    assert record["fees"] == str(batch.fees_minor // 100) + f".{batch.fees_minor % 100:02d}"
    assert record["net"] == f"{batch.net_minor // 100}.{batch.net_minor % 100:02d}"
    assert record["created_at (Asia/Shanghai)"].endswith("+08:00")


def test_reconciliation_csv_times_are_asia_shanghai_and_amounts_in_yuan() -> None:
    batch = settled_batch()
    client = Client()
    client.force_login(batch.merchant.owner)
    table = rows(client.get(reverse("payments:settlement_csv", args=[batch.pk])))
    header, payment, total = table[0], table[1], table[-1]
    assert "occurred_at (Asia/Shanghai)" in header
    record = dict(zip(header, payment, strict=True))
    assert record["occurred_at (Asia/Shanghai)"] == "2026-11-30T01:30:00+08:00"
    assert (record["amount_minor"], record["amount"]) == ("13964", "139.64")
    assert dict(zip(header, total, strict=True))["net"] == (
        f"{batch.net_minor // 100}.{batch.net_minor % 100:02d}"
    )
