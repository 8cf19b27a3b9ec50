"""Issue 15, item 9: after a reload the dashboard lists today's latest payments, the daily chart
has value and date axes, and a new merchant with no store is told to add one."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from facepay.models import User
from merchants.models import Merchant
from tests.merchants.factories import MerchantFactory, TerminalFactory, capture_payment

pytestmark = pytest.mark.django_db


def owner_client(merchant: Merchant) -> Client:
    client = Client()
    client.force_login(merchant.owner)
    return client


def test_reload_lists_todays_latest_payments_and_the_chart_has_axes() -> None:
    merchant = MerchantFactory(status=Merchant.Status.APPROVED)
    terminal = TerminalFactory(store__merchant=merchant, store__name="五马街店")
    capture_payment(terminal=terminal, amount_minor=3_850)
    capture_payment(terminal=terminal, amount_minor=1_200)
    page = owner_client(merchant).get(reverse("merchants:home")).content.decode()
    feed = page[page.index('id="live-feed"') : page.index("</ul>", page.index('id="live-feed"'))]
    assert feed.index("¥12.00") < feed.index("¥38.50")  # newest first
    assert "五马街店" in feed
    assert "New payments appear here" not in feed
    chart = page[
        page.index('id="days-chart"') : page.index("</svg>", page.index('id="days-chart"'))
    ]
    assert 'class="axis-value">¥0.00<' in chart
    assert 'class="axis-value">¥50.50<' in chart  # the busiest day's takings at the top
    assert chart.count('class="axis-date"') >= 2
    assert 'id="empty-state"' not in page


def test_new_merchant_without_a_store_is_told_to_add_one() -> None:
    merchant = MerchantFactory(status=Merchant.Status.APPROVED)
    page = owner_client(merchant).get(reverse("merchants:home")).content.decode()
    assert 'id="empty-state"' in page
    assert "Add a store" in page
    assert reverse("merchants:stores") in page
    assert merchant.owner.role == User.Role.MERCHANT_OWNER


def test_rotating_or_revoking_a_terminal_asks_first() -> None:
    terminal = TerminalFactory(name="收银台 9")
    client = owner_client(terminal.store.merchant)
    page = client.get(reverse("merchants:stores")).content.decode()
    rotate = page[page.index(f'id="rotate-{terminal.pk}"') :]
    revoke = page[page.index(f'id="revoke-{terminal.pk}"') :]
    assert rotate.index("<summary") < rotate.index("Issue a new secret for 收银台 9?")
    assert rotate.index("Issue a new secret") < rotate.index('type="submit"')
    assert revoke.index("Revoke 收银台 9 for good?") < revoke.index('type="submit"')
