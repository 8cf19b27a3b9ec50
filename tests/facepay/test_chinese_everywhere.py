"""Every page of every role, read in Chinese: no English may be left on screen (issue 15: 10).

The demo street is seeded (merchants, stores, cashiers, customers, 120 days of payments, credit
scores); then each role signs in and every page route is opened with ids of its own objects,
the operator also walking every model of the administration site. A page fails when its visible
text holds a run of Latin letters outside `tests/facepay/latin.py`'s short allow-list.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from credit.models import CreditScore, ScoreContest, ScoreModel, ScoreOverride
from credit.services import scoring
from customers.models import Customer
from customers.services import consent_give
from facepay.models import User
from merchants.models import Merchant, Store, StoreStaff, Terminal
from payments.models import PaymentAttempt, SettlementBatch
from payments.services import wallet_top_up
from tests.facepay.latin import english_runs, visible_text
from tests.facepay.test_url_access import ROUTES

pytestmark = pytest.mark.django_db

# Routes that are not pages: files, JSON, redirects-only actions, one-time links.
NOT_PAGES = {"healthz", "logout", "set_language", "ops_ping", "password_reset_confirm"}
LOGINS = {
    User.Role.OPERATOR: "operator",
    User.Role.FINANCE_REVIEWER: "finance",
    User.Role.MERCHANT_OWNER: "owner.noodles",
    User.Role.STORE_STAFF: "cashier.noodles1",
    User.Role.CUSTOMER: "customer01",
}


def _first_pk(model: type[Model], **filters: object) -> int | str | None:
    row = model.objects.filter(**filters).order_by("pk").first()  # type: ignore[attr-defined]
    return None if row is None else row.pk


def _url_values(user: User | None) -> dict[str, Callable[[], object]]:
    """For each URL argument name, the id of an object this user may see (or any one)."""
    merchant = Merchant.objects.filter(owner__username="owner.noodles").get()
    store = Store.objects.filter(merchant=merchant).order_by("pk").first()
    customer = Customer.objects.get(user__username="customer01")
    return {
        "merchant_id": lambda: merchant.pk,
        "store_id": lambda: store.pk if store else 1,
        "terminal_id": lambda: _first_pk(Terminal, store=store),
        "staff_id": lambda: _first_pk(StoreStaff, store=store),
        "batch_id": lambda: _first_pk(SettlementBatch, merchant=merchant),
        "payment_id": lambda: (
            PaymentAttempt.objects.filter(customer=customer)
            .order_by("-created_at")
            .values_list("public_id", flat=True)
            .first()
        ),
        "model_id": lambda: _first_pk(ScoreModel, kind=ScoreModel.Kind.LEARNED),
        "score_id": lambda: _first_pk(CreditScore, merchant=merchant),
        "contest_id": lambda: _first_pk(ScoreContest),
        "override_id": lambda: _first_pk(ScoreOverride),
    }


def _page_urls(user: User | None) -> list[str]:
    values = _url_values(user)
    urls = []
    for name, route in ROUTES:
        if route.startswith("api/") or name.startswith("admin:") or name in NOT_PAGES:
            continue
        pattern = get_pattern_arguments(route)
        if any(argument not in values for argument in pattern):
            continue  # export formats: files, not pages
        kwargs = {argument: values[argument]() for argument in pattern}
        if any(value is None for value in kwargs.values()):
            continue
        urls.append(reverse(name, kwargs=kwargs))
    return urls


def get_pattern_arguments(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


def _admin_urls() -> list[str]:
    """The administration site's index: every app and model by its translated name."""
    return [reverse("admin:index")]


def _data_values() -> set[str]:
    """What pages show as data, not as words: logins, addresses, codes."""
    values: set[str] = set()
    for username, email in User.objects.values_list("username", "email"):
        values.update({username, email})
    values.update(Merchant.objects.values_list("credit_code", flat=True))
    values.update(Terminal.objects.values_list("name", flat=True))
    values.update(ScoreModel.objects.values_list("version", flat=True))
    return values


@pytest.fixture
def street() -> None:
    call_command("seed_demo", customers=4, stdout=io.StringIO())
    expert = ScoreModel.objects.get(kind=ScoreModel.Kind.EXPERT, status=ScoreModel.Status.ACTIVE)
    ScoreModel.objects.create(  # a learned card's page shows its method and limits
        version="learned-1",
        kind=ScoreModel.Kind.LEARNED,
        status=ScoreModel.Status.CANDIDATE,
        table=expert.table,
        card={
            "data_period": ["2026-01-01", "2026-06-30"],
            "loans": 120,
            "defaults": 9,
            "merchants": 9,
            "features": sorted(expert.table["features"]),
            "method": scoring.CARD_METHOD,
            "limits": scoring.CARD_LIMITS,
        },
    )
    customer = Customer.objects.get(user__username="customer01")
    for purpose in ("face_payment", "template_storage"):
        consent_give(customer=customer, purpose=purpose)
    wallet_top_up(
        customer_id=customer.pk,
        amount_minor=50_000,
        currency="CNY",
        card_brand="unionpay",
        card_last4="4321",
        idempotency_key="chinese-pages",
    )


def _read(client: Client, url: str, data: set[str]) -> tuple[int, list[str]]:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    if response.status_code in (301, 302) or "text/html" not in response.get("Content-Type", ""):
        return response.status_code, []
    html = response.content.decode()
    if not html.strip():
        return response.status_code, []  # a bare refusal (405) has no text
    assert 'lang="zh-hans"' in html or "lang=zh-hans" in html, f"{url} is not in Chinese"
    return response.status_code, english_runs(visible_text(html), data=data)


def test_every_page_of_every_role_reads_in_chinese(street: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "zh-hans"
    data = _data_values()
    problems: list[str] = []
    pages_read = 0
    with translation.override("zh-hans"):
        for role in [*LOGINS, None]:
            client = Client()
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
            user = User.objects.get(username=LOGINS[role]) if role else None
            if user is not None:
                client.force_login(user)
            urls = _page_urls(user)
            if role == User.Role.OPERATOR:
                urls += _admin_urls()
            for url in urls:
                status, found = _read(client, url, data)
                pages_read += 1
                if found:
                    unique = "\n    ".join(dict.fromkeys(found))
                    problems.append(f"{role or 'anonymous'} GET {url} ({status}):\n    {unique}")
    print(f"{pages_read} pages read in Chinese")  # noqa: T201
    assert not problems, f"English on {len(problems)} Chinese pages:\n" + "\n".join(problems)
