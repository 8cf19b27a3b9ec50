"""Issue 15, item 8: a model card's money bins read in yuan with two decimals, never in fen."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from credit.models import ScoreModel
from credit.templatetags.credit_labels import bin_bound
from facepay.models import User
from tests.credit.test_pages import signed_in, street  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_bin_bound_shows_money_features_in_yuan_and_others_as_numbers() -> None:
    assert bin_bound(1_203_069, "revenue_level") == "¥12,030.69"
    assert bin_bound(1_500.0, "average_ticket") == "¥15.00"
    assert bin_bound(0.25, "refund_rate") == "0.2500"  # as before: four decimals for a ratio
    assert bin_bound(None, "revenue_level") == "∞"


def test_model_card_bins_read_in_yuan(street) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client, _ = signed_in(User.Role.FINANCE_REVIEWER)
    model = ScoreModel.objects.get(status="active")
    page = client.get(reverse("credit:model_detail", args=[model.pk])).content.decode()
    bins = re.findall(r'<span class="bin">([^<]*)</span>', page)
    assert "&lt; ¥5,000.00 → 0" in bins  # revenue_level's first bin: 500000 fen
    assert not any(re.search(r"&lt; \d{5,}", text) for text in bins)  # no raw fen left
