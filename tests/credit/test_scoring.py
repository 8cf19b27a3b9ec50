"""Scoring from the ledger: determinism, hand recomputation (Must-show #1), monthly task."""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from credit import services, tasks
from credit.models import CreditScore, ScoreModel
from customers.models import Customer
from facepay.models import User
from merchants.models import Merchant
from payments.models import PaymentAttempt, Refund, SettlementBatch
from tests.credit.conftest import SCORED_MONTH, SEED_NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")


def by_hand(merchant: Merchant, month: date) -> dict[str, float | None]:
    """Every feature recomputed in plain Python from the merchant's ledger rows."""
    next_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    attempts = [
        a
        for a in PaymentAttempt.objects.filter(merchant=merchant, status="captured")
        if a.captured_at.astimezone(SHANGHAI).date() < next_month
    ]
    first = min(a.captured_at.astimezone(SHANGHAI).date() for a in attempts)
    in_month = [a for a in attempts if a.captured_at.astimezone(SHANGHAI).date() >= month]
    daily: dict[date, int] = defaultdict(int)
    for a in in_month:
        daily[a.captured_at.astimezone(SHANGHAI).date()] += a.amount_minor
    gross = sum(a.amount_minor for a in in_month)
    count = len(in_month)
    per_customer = Counter(a.customer_id for a in in_month if a.customer_id)
    refunds = sum(
        r.amount_minor
        for r in Refund.objects.filter(attempt__merchant=merchant)
        if month <= r.created_at.astimezone(SHANGHAI).date() < next_month
    )
    days = [month + timedelta(days=i) for i in range((next_month - month).days)]
    days = [d for d in days if d >= first]
    series = [daily.get(d, 0) for d in days]
    mean = sum(series) / len(series)
    sd = math.sqrt(sum((x - mean) ** 2 for x in series) / len(series))

    def avg_daily(first_of_month: date) -> float | None:
        end = date(
            first_of_month.year + first_of_month.month // 12, first_of_month.month % 12 + 1, 1
        )
        covered = (end - max(first_of_month, first)).days
        if covered < 15:
            return None
        total = sum(
            a.amount_minor
            for a in attempts
            if first_of_month <= a.captured_at.astimezone(SHANGHAI).date() < end
        )
        return total / covered

    def months_back(n: int) -> date:
        index = month.year * 12 + month.month - 1 - n
        return date(index // 12, index % 12 + 1, 1)

    now_avg, then3, then6 = avg_daily(month), avg_daily(months_back(3)), avg_daily(months_back(6))
    settled = {
        b.business_date
        for b in SettlementBatch.objects.filter(merchant=merchant)
        if month <= b.business_date < next_month and daily.get(b.business_date, 0) > 0
    }
    approved = merchant.approved_at.astimezone(SHANGHAI).date()
    active = len([d for d, v in daily.items() if v > 0])
    return {
        "revenue_level": float(gross),
        "growth_3m": round(now_avg / then3 - 1, 6) if then3 else None,
        "growth_6m": round(now_avg / then6 - 1, 6) if then6 else None,
        "volatility": round(sd / mean, 6),
        "active_days": float(active),
        "unique_customers": float(len(per_customer)),
        "repeat_share": round(
            sum(1 for n in per_customer.values() if n >= 2) / len(per_customer), 6
        ),
        "average_ticket": round(gross / count, 6),
        "refund_rate": round(refunds / gross, 6),
        "dispute_rate": 0.0,
        "tenure": float((next_month - min(first, approved)).days),
        "settlement_regularity": round(len(settled) / active, 6),
    }


def points_by_hand(table: dict, values: dict[str, float | None]) -> dict[str, int]:
    points = {}
    for name, spec in table["features"].items():
        value = values[name]
        if value is None:
            points[name] = spec["missing_points"]
            continue
        for b in spec["bins"]:
            if b["upper"] is None or value < b["upper"]:
                points[name] = b["points"]
                break
    return points


def test_two_merchants_recomputed_by_hand_from_the_ledger(seeded_street: None, db: None) -> None:
    merchants = list(Merchant.objects.order_by("pk"))[:2]
    table = ScoreModel.objects.get(status="active").table
    for merchant in merchants:
        row = services.credit_score_compute(merchant=merchant, period_start=SCORED_MONTH)
        expected = by_hand(merchant, SCORED_MONTH)
        stored = {name: spec["value"] for name, spec in row.inputs.items()}
        assert stored.keys() == expected.keys()
        for name, value in expected.items():
            assert stored[name] == (None if value is None else pytest.approx(value, abs=1e-9))
        assert expected["growth_3m"] is not None  # 200 days of history reach back to July
        assert expected["growth_6m"] is None  # April had 2 traded days: not comparable
        points = points_by_hand(table, expected)
        assert {n: p["points"] for n, p in row.points.items()} == points
        assert row.score == max(300, min(900, table["base_points"] + sum(points.values())))
        assert row.status == CreditScore.Status.SCORED
        assert row.inputs["refund_rate"]["period_start"] == "2026-10-01"
        assert row.inputs["refund_rate"]["period_end"] == "2026-11-01"
        assert "payments_refund" in row.inputs["refund_rate"]["source"]


def test_scores_are_deterministic_for_the_seeded_history(seeded_street: None, db: None) -> None:
    first = services.credit_scores_compute(period_start=SCORED_MONTH)
    again = [
        services.credit_score_compute(
            merchant=row.merchant, period_start=SCORED_MONTH, trigger="on_demand"
        )
        for row in first
    ]
    assert len(first) == Merchant.objects.filter(status="approved").count() == 9
    for a, b in zip(first, again, strict=True):
        assert a.pk != b.pk
        assert (a.score, a.tier, a.inputs, a.points, a.reasons) == (
            b.score,
            b.tier,
            b.inputs,
            b.points,
            b.reasons,
        )
    assert all(row.status == "scored" for row in first)


def test_monthly_task_is_idempotent(seeded_street: None, db: None) -> None:
    assert services.last_complete_month(SEED_NOW) == SCORED_MONTH
    first = tasks.credit_scores_compute_task.delay().get()
    second = tasks.credit_scores_compute_task.delay().get()
    assert first == second == 9
    period = services.last_complete_month()
    assert CreditScore.objects.filter(period_start=period, trigger="monthly").count() == 9


def test_too_little_history_is_insufficient_data(seeded_street: None, db: None) -> None:
    row = services.credit_score_compute(
        merchant=Merchant.objects.order_by("pk").first(), period_start=date(2026, 5, 1)
    )
    assert row.status == CreditScore.Status.INSUFFICIENT_DATA
    assert row.score is None
    assert row.reasons == []
    assert any(rule.startswith("history_days:") for rule in row.insufficient)


def test_finance_office_never_sees_a_customer_name_phone_or_template(
    seeded_street: None, db: None
) -> None:
    rows = services.credit_scores_compute(period_start=SCORED_MONTH)
    reviewer = User.objects.get(username="finance")
    client = Client()
    client.force_login(reviewer)
    api = APIClient()
    api.force_authenticate(reviewer)
    urls = [
        reverse("credit:home"),
        reverse("credit:priority"),
        reverse("credit:drift"),
        reverse("credit:export", args=["csv"]),
        reverse("api_me"),
        reverse("credit_api:scores"),
    ]
    urls += [reverse("credit:merchant_detail", args=[row.merchant_id]) for row in rows]
    urls += [reverse("credit_api:merchant_score", args=[row.merchant_id]) for row in rows]
    bodies = [client.get(url).content.decode("utf-8-sig") for url in urls]
    xlsx = load_workbook(io.BytesIO(client.get(reverse("credit:export", args=["xlsx"])).content))
    bodies.append(" ".join(str(c.value) for row in xlsx.active.iter_rows() for c in row))
    customers = list(Customer.objects.select_related("user"))
    assert len(customers) == 30
    for body in bodies:
        for customer in customers:
            assert customer.user.display_name not in body
            assert customer.user.phone not in body
            assert customer.user.phone[3:] not in body
            assert customer.user.username not in body
        assert "facetemplate" not in body.lower()
    assert "customer_id" in rows[0].inputs["unique_customers"]["source"]  # counted, not named
