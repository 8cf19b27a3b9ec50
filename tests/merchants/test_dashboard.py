"""Must-show #2: every dashboard figure equals an independent computation from the ledger.

The history is booked by the payments app's demo (through the ledger). The expected figures
are recomputed here from journal entries and postings alone — amounts from the customer wallet
postings, fees from the platform fee postings, customers from the wallet accounts, times from
the entries — never from PaymentAttempt aggregates or the dashboard module.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from facepay.demo import seed_street
from merchants.models import Merchant
from payments import demo as payments_demo
from payments.models import Account, JournalEntry, PaymentAttempt, SettlementBatch
from payments.sales import dashboard

pytestmark = pytest.mark.django_db

DAYS = 20


@dataclass(frozen=True)
class Booked:
    kind: str
    at_local: object
    amount_minor: int  # to/from the customer
    fee_minor: int  # platform fee taken (capture) or handed back (refund)
    customer_id: int
    entry_id: int


@pytest.fixture
def history() -> None:
    seed_street(customers=25)
    assert payments_demo.seed_history(days=DAYS) > 300


def ledger_rows(merchant: Merchant) -> list[Booked]:
    """Captures and refunds of one merchant, read from the ledger only."""
    payable = Account.objects.get(kind=Account.Kind.MERCHANT_PAYABLE, merchant=merchant)
    entries = JournalEntry.objects.filter(
        postings__account=payable, kind__in=[JournalEntry.Kind.CAPTURE, JournalEntry.Kind.REFUND]
    ).prefetch_related("postings__account")
    rows = []
    for entry in entries:
        wallet = next(p for p in entry.postings.all() if p.account.kind == "customer_wallet")
        fee = sum(
            p.amount_minor for p in entry.postings.all() if p.account.kind == "platform_fee_revenue"
        )
        rows.append(
            Booked(
                kind=entry.kind,
                at_local=timezone.localtime(entry.occurred_at),
                amount_minor=abs(wallet.amount_minor),
                fee_minor=abs(fee),
                customer_id=wallet.account.customer_id,
                entry_id=entry.pk,
            )
        )
    return rows


def expected(rows: list[Booked], start: date, end: date) -> dict[str, int]:
    captures = [r for r in rows if r.kind == "capture" and start <= r.at_local.date() <= end]
    refunds = [r for r in rows if r.kind == "refund" and start <= r.at_local.date() <= end]
    gross = sum(r.amount_minor for r in captures)
    fees = sum(r.fee_minor for r in captures) - sum(r.fee_minor for r in refunds)
    refunded = sum(r.amount_minor for r in refunds)
    per_customer = Counter(r.customer_id for r in captures)
    average = (
        int((Decimal(gross) / len(captures)).quantize(Decimal(1), ROUND_HALF_EVEN))
        if captures
        else 0
    )
    return {
        "payments": len(captures),
        "gross_minor": gross,
        "fees_minor": fees,
        "refunds": len(refunds),
        "refunds_minor": refunded,
        "net_minor": gross - fees - refunded,
        "average_ticket_minor": average,
        "unique_customers": len(per_customer),
        "repeat_customers": sum(1 for n in per_customer.values() if n >= 2),
    }


def as_dict(figures: dashboard.Figures) -> dict[str, int]:
    return {
        key: getattr(figures, key)
        for key in (
            "payments",
            "gross_minor",
            "fees_minor",
            "refunds",
            "refunds_minor",
            "net_minor",
            "average_ticket_minor",
            "unique_customers",
            "repeat_customers",
        )
    }


def per_day(rows: list[Booked], start: date, end: date) -> list[tuple[date, int, int]]:
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        if r.kind == "capture" and start <= r.at_local.date() <= end:
            totals[r.at_local.date()][0] += 1
            totals[r.at_local.date()][1] += r.amount_minor
    return [
        (start + timedelta(days=i), *totals[start + timedelta(days=i)])
        for i in range((end - start).days + 1)
    ]


def per_hour_of_week(rows: list[Booked], start: date, end: date) -> dict[tuple[int, int], tuple]:
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        if r.kind == "capture" and start <= r.at_local.date() <= end:
            cell = cells[(r.at_local.isoweekday(), r.at_local.hour)]
            cell[0] += 1
            cell[1] += r.amount_minor
    return {key: tuple(value) for key, value in cells.items()}


def test_dashboard_figures_equal_the_ledger_for_a_merchant_and_a_store(history) -> None:
    merchant = Merchant.objects.get(name="温州鱼丸面馆")  # two stores
    rows = ledger_rows(merchant)
    store_ids = list(merchant.stores.values_list("id", flat=True))
    assert len(store_ids) == 2
    today = timezone.localdate()
    for days in (7, 30):
        start = today - timedelta(days=days - 1)
        board = dashboard.dashboard(store_ids=store_ids, start=start, end=today)
        assert as_dict(board.period) == expected(rows, start, today)
        assert as_dict(board.today) == expected(rows, today, today)
        assert [(d.day, d.payments, d.gross_minor) for d in board.days] == per_day(
            rows, start, today
        )
        assert {(c.weekday, c.hour): (c.payments, c.gross_minor) for c in board.heat} == (
            per_hour_of_week(rows, start, today)
        )
    assert board.period.payments > 100
    assert board.period.refunds > 0
    assert board.period.repeat_customers > 0

    store = merchant.stores.order_by("id").last()
    # The ledger knows merchants, not stores: the capture entry ties a payment to its store.
    store_entries = set(
        PaymentAttempt.objects.filter(store=store).values_list("capture_entry_id", flat=True)
    )
    refund_entries = set(
        PaymentAttempt.objects.filter(store=store).values_list("refunds__entry_id", flat=True)
    )
    rows = [r for r in rows if r.entry_id in store_entries or r.entry_id in refund_entries]
    start, end = timezone.localdate() - timedelta(days=DAYS), timezone.localdate()
    figures = dashboard.figures(store_ids=[store.pk], start=start, end=end)
    assert as_dict(figures) == expected(rows, start, end)


def test_dashboard_api_matches_the_ledger_and_scopes_the_cashier(history) -> None:
    merchant = Merchant.objects.get(name="温州鱼丸面馆")
    rows = ledger_rows(merchant)
    client = Client()
    client.force_login(merchant.owner)
    end = timezone.localdate()
    start = end - timedelta(days=29)
    body = client.get(reverse("merchants_api:dashboard"), {"days": 30}).json()
    want = expected(rows, start, end)
    assert {key: body["period"][key] for key in want} == want
    payments = client.get(reverse("merchants_api:payments"), {"days": 30}).json()
    assert payments["count"] == want["payments"]
    assert "customer" not in str(payments["results"][0])
    cashier_store = merchant.stores.order_by("id").first()
    cashier = cashier_store.staff.get().user
    client.force_login(cashier)
    other_store = merchant.stores.exclude(pk=cashier_store.pk).get()
    refused = client.get(reverse("merchants_api:dashboard"), {"store": other_store.pk})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "store_forbidden"
    own = client.get(reverse("merchants_api:dashboard")).json()
    assert own["store_ids"] == [cashier_store.pk]


def test_settlements_page_csv_and_api_list_the_merchants_batches(history) -> None:
    merchant = Merchant.objects.get(name="温州鱼丸面馆")
    batches = SettlementBatch.objects.filter(merchant=merchant)
    assert batches.count() > 5
    client = Client()
    client.force_login(merchant.owner)
    page = client.get(reverse("merchants:settlements"))
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == min(30, batches.count())
    csv_lines = b"".join(client.get(reverse("merchants:settlements_csv")).streaming_content)
    rows = csv_lines.decode().strip().splitlines()
    assert len(rows) == batches.count() + 1
    newest = batches.order_by("-business_date").first()
    assert rows[1].startswith(f"{newest.business_date.isoformat()},{merchant.name},CNY,")
    assert rows[1].split(",")[8] == str(newest.net_minor)
    api = client.get(reverse("merchants_api:settlements")).json()
    assert api["count"] == batches.count()
    assert sum(row["net_minor"] for row in api["results"]) == sum(
        b.net_minor for b in batches.order_by("-business_date")[:50]
    )
