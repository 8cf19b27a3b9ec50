"""Must-show #5: the role matrix against every merchant page and API endpoint.

Roles: the owner of merchant A (stores 1 and 2), the cashier of store 1, the cashier of store 2,
the owner of another merchant B, a customer, the city finance office, an operator and an
anonymous visitor. Each case names the exact status every role gets (and, for API refusals,
the stable error code); a merchant route missing from the cases fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import get_resolver

from facepay.models import User
from tests.facepay.factories import UserFactory
from tests.facepay.test_url_access import walk
from tests.merchants.factories import (
    MerchantFactory,
    StoreFactory,
    StoreStaffFactory,
    terminal_with_secret,
)

pytestmark = pytest.mark.django_db

OWNER, CASHIER1, CASHIER2, OTHER = "owner", "cashier_store1", "cashier_store2", "other_merchant"
CUSTOMER, FINANCE, OPERATOR, ANONYMOUS = "customer", "finance_office", "operator", "anonymous"
ROLES = [OWNER, CASHIER1, CASHIER2, OTHER, CUSTOMER, FINANCE, OPERATOR, ANONYMOUS]
LOGIN = "login"  # a page that sends an anonymous visitor to the login form


@dataclass
class World:
    users: dict[str, User | None]
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world() -> World:
    merchant = MerchantFactory()
    merchant.licence_file.save("licence.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    merchant.licence_content_type = "application/pdf"
    merchant.save()
    store1 = StoreFactory(merchant=merchant)
    store2 = StoreFactory(merchant=merchant)
    cashier1 = StoreStaffFactory(store=store1).user
    cashier2 = StoreStaffFactory(store=store2).user
    spare = StoreStaffFactory(store=store1)  # removed by the owner's run
    terminal = terminal_with_secret(store=store1).terminal
    other_store = StoreFactory()
    other_staff = StoreStaffFactory(store=other_store)
    other_terminal = terminal_with_secret(store=other_store).terminal
    users: dict[str, User | None] = {
        OWNER: merchant.owner,
        CASHIER1: cashier1,
        CASHIER2: cashier2,
        OTHER: other_store.merchant.owner,
        CUSTOMER: UserFactory(role=User.Role.CUSTOMER),
        FINANCE: UserFactory(role=User.Role.FINANCE_REVIEWER),
        OPERATOR: UserFactory(role=User.Role.OPERATOR),
        ANONYMOUS: None,
    }
    return World(
        users=users,
        ids={
            "merchant": merchant.pk,
            "store1": store1.pk,
            "store2": store2.pk,
            "other_merchant": other_store.merchant_id,
            "other_store": other_store.pk,
            "terminal": terminal.pk,
            "other_terminal": other_terminal.pk,
            "spare": spare.pk,
            "other_staff": other_staff.pk,
        },
    )


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    url: Callable[[dict[str, int]], str]
    expect: dict[str, int | str]  # role → status (or LOGIN); roles not listed get `default`
    default: int | str = 403
    code: str = ""  # the API error code every refused role must get
    data: dict[str, str] = field(default_factory=dict)


PORTAL = {OWNER: 200, CASHIER1: 200, CASHIER2: 200, OTHER: 200, OPERATOR: 200, ANONYMOUS: LOGIN}
MANAGERS = {OWNER: 200, OTHER: 200, OPERATOR: 200, ANONYMOUS: LOGIN}
API_PORTAL = {OWNER: 200, CASHIER1: 200, CASHIER2: 200, OTHER: 200, OPERATOR: 200}

CASES: list[Case] = [
    Case("merchants:signup", "get", lambda i: "/merchants/signup/", dict.fromkeys(ROLES, 200)),
    Case("merchants:home", "get", lambda i: "/merchants/", PORTAL),
    Case(
        "merchants:home",
        "get",
        lambda i: f"/merchants/?store={i['store2']}",
        {OWNER: 200, CASHIER2: 200, OPERATOR: 200, ANONYMOUS: LOGIN},
    ),
    Case(
        "merchants:application",
        "get",
        lambda i: "/merchants/application/",
        {OWNER: 200, OTHER: 200, ANONYMOUS: LOGIN},
    ),
    Case(
        "merchants:licence",
        "get",
        lambda i: f"/merchants/application/{i['merchant']}/licence/",
        {OWNER: 200, OPERATOR: 200, ANONYMOUS: LOGIN},
    ),
    Case(
        "merchants:review_queue",
        "get",
        lambda i: "/merchants/review/",
        {OPERATOR: 200, ANONYMOUS: LOGIN},
    ),
    Case("merchants:stores", "get", lambda i: "/merchants/stores/", PORTAL),
    Case("merchants:payments_csv", "get", lambda i: "/merchants/payments.csv", PORTAL),
    Case(
        "merchants:payments_csv",
        "get",
        lambda i: f"/merchants/payments.csv?store={i['store1']}",
        {OWNER: 200, CASHIER1: 200, OPERATOR: 200, ANONYMOUS: LOGIN},
    ),
    Case("merchants:settlements", "get", lambda i: "/merchants/settlements/", MANAGERS),
    Case("merchants:settlements_csv", "get", lambda i: "/merchants/settlements.csv", MANAGERS),
    Case(
        "merchants:store_create",
        "post",
        lambda i: "/merchants/stores/new/",
        {OWNER: 302, OTHER: 302, ANONYMOUS: LOGIN},
        data={"name": "New"},
    ),
    Case(
        "merchants:staff_invite",
        "post",
        lambda i: f"/merchants/stores/{i['store1']}/staff/invite/",
        {OWNER: 302, OPERATOR: 302, ANONYMOUS: LOGIN},
        data={"email": "new.cashier@example.test", "display_name": "New"},
    ),
    Case(
        "merchants:terminal_register",
        "post",
        lambda i: f"/merchants/stores/{i['store1']}/terminals/new/",
        {OWNER: 200, OPERATOR: 200, ANONYMOUS: LOGIN},
        data={"name": "Counter 9"},
    ),
    Case(
        "merchants:terminal_rotate",
        "post",
        lambda i: f"/merchants/terminals/{i['terminal']}/rotate/",
        {OWNER: 200, OPERATOR: 200, ANONYMOUS: LOGIN},
    ),
    Case(
        "merchants:staff_remove",
        "post",
        lambda i: f"/merchants/staff/{i['spare']}/remove/",
        {OWNER: 302, OPERATOR: 302, ANONYMOUS: LOGIN},
    ),
    Case(
        "merchants:staff_remove",
        "post",
        lambda i: f"/merchants/staff/{i['other_staff']}/remove/",
        {OTHER: 302, OPERATOR: 302, ANONYMOUS: LOGIN},
    ),
    Case(
        "merchants:terminal_resume",
        "post",
        lambda i: f"/merchants/terminals/{i['terminal']}/resume/",
        {OWNER: 302, OPERATOR: 302, ANONYMOUS: LOGIN},
    ),
    Case(
        "merchants:terminal_revoke",
        "post",
        lambda i: f"/merchants/terminals/{i['terminal']}/revoke/",
        {OWNER: 302, OPERATOR: 302, ANONYMOUS: LOGIN},
    ),
    Case(
        "merchants:review_decide",
        "post",
        lambda i: f"/merchants/review/{i['merchant']}/decide/",
        {OPERATOR: 302, ANONYMOUS: LOGIN},
        data={"decision": "approve"},
    ),
    Case(
        "merchants:application_submit",
        "post",
        lambda i: "/merchants/application/submit/",
        {OWNER: 302, OTHER: 302, ANONYMOUS: LOGIN},
    ),
    # API: anonymous visitors get 401 not_authenticated (session authentication, issue 14).
    Case(
        "merchants_api:terminal_me",
        "get",
        lambda i: "/api/merchants/terminal/me",
        {},
        default=401,
        code="signature_missing",
    ),
    Case("merchants_api:dashboard", "get", lambda i: "/api/merchants/dashboard", API_PORTAL),
    Case(
        "merchants_api:dashboard",
        "get",
        lambda i: f"/api/merchants/dashboard?store={i['store2']}",
        {OWNER: 200, CASHIER2: 200, OPERATOR: 200},
    ),
    Case(
        "merchants_api:dashboard",
        "get",
        lambda i: f"/api/merchants/dashboard?merchant={i['merchant']}",
        {OWNER: 200, CASHIER1: 200, CASHIER2: 200, OPERATOR: 200},
    ),
    Case("merchants_api:payments", "get", lambda i: "/api/merchants/payments", API_PORTAL),
    Case(
        "merchants_api:payments",
        "get",
        lambda i: f"/api/merchants/payments?store={i['store1']}",
        {OWNER: 200, CASHIER1: 200, OPERATOR: 200},
    ),
    Case("merchants_api:refunds", "get", lambda i: "/api/merchants/refunds", API_PORTAL),
    Case(
        "merchants_api:refunds",
        "get",
        lambda i: f"/api/merchants/refunds?store={i['other_store']}",
        {OTHER: 200, OPERATOR: 200},
    ),
    Case(
        "merchants_api:settlements",
        "get",
        lambda i: "/api/merchants/settlements",
        {OWNER: 200, OTHER: 200, OPERATOR: 200},
    ),
    Case(
        "merchants_api:settlements",
        "get",
        lambda i: f"/api/merchants/settlements?merchant={i['merchant']}",
        {OWNER: 200, OPERATOR: 200},
    ),
    Case("merchants_api:stores", "get", lambda i: "/api/merchants/stores", API_PORTAL),
    Case("merchants_api:terminals", "get", lambda i: "/api/merchants/terminals", API_PORTAL),
]

SCOPE_CODES = {"store": "store_forbidden", "merchant": "merchant_forbidden"}


def refusal_code(case: Case, role: str, url: str) -> str:
    if case.code:
        return case.code
    if role == ANONYMOUS:
        return "not_authenticated"
    if role in (CUSTOMER, FINANCE) or (role in (CASHIER1, CASHIER2) and "settlements" in url):
        return "forbidden"
    return next((code for key, code in SCOPE_CODES.items() if f"?{key}=" in url), "forbidden")


def test_role_matrix_covers_every_merchant_route() -> None:
    names = {
        name
        for name, _ in walk(get_resolver().url_patterns)
        if name.startswith(("merchants:", "merchants_api:"))
    }
    assert names == {case.route for case in CASES}


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(world: World, role: str) -> None:
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    problems = []
    for case in CASES:
        url = case.url(world.ids)
        response = getattr(client, case.method)(url, case.data)
        wanted = case.expect.get(role, case.default)
        if role == ANONYMOUS and url.startswith("/api/") and wanted == case.default:
            wanted = 401
        if wanted == LOGIN:
            ok = response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            ok = response.status_code == wanted
        if ok and url.startswith("/api/") and response.status_code >= 400:
            got_code = response.json()["error"]["code"]
            ok = got_code == refusal_code(case, role, url)
            if not ok:
                problems.append(f"{case.method.upper()} {url} as {role}: code {got_code}")
                continue
        if not ok:
            problems.append(
                f"{case.method.upper()} {url} as {role}: {response.status_code}, wanted {wanted}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("role", "stores"),
    [
        (OWNER, ["store1", "store2"]),
        (CASHIER1, ["store1"]),
        (CASHIER2, ["store2"]),
        (OTHER, ["other_store"]),
    ],
)
def test_role_matrix_lists_only_the_viewers_rows(
    world: World, role: str, stores: list[str]
) -> None:
    client = Client()
    client.force_login(world.users[role])
    listed = [row["id"] for row in client.get("/api/merchants/stores").json()["results"]]
    assert listed == [world.ids[name] for name in stores]
    terminals = {
        row["store_id"] for row in client.get("/api/merchants/terminals").json()["results"]
    }
    assert terminals <= set(listed)
    board = client.get("/api/merchants/dashboard").json()
    assert sorted(board["store_ids"]) == sorted(listed)
