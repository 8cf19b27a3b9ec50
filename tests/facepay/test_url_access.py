"""Walk every URL pattern as each role and as an anonymous visitor.

No page or endpoint may answer 500, and a protected one must refuse every role outside its
allowed set (pages: 403, or a redirect to login for anonymous visitors; API: 401/403).
The access table below is the contract: a new route must be listed or the test fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from facepay.models import User
from tests.facepay.factories import UserFactory

ROLES = [r.value for r in User.Role]
ANONYMOUS = "anonymous"
EVERYONE = {*ROLES, ANONYMOUS}
SIGNED_IN = set(ROLES)
OWNER_AND_STAFF = {User.Role.MERCHANT_OWNER, User.Role.STORE_STAFF, User.Role.OPERATOR}

# URL name (namespace:name) or namespace prefix ("customers:") → roles allowed in.
ACCESS: dict[str, set[str]] = {
    "landing": EVERYONE,
    "accuracy": EVERYONE,
    "healthz": EVERYONE,
    "login": EVERYONE,
    "sign_in_code": EVERYONE,
    "admin_login": EVERYONE,
    "logout": EVERYONE,
    "password_reset": EVERYONE,
    "password_reset_done": EVERYONE,
    "password_reset_confirm": EVERYONE,
    "password_reset_complete": EVERYONE,
    "set_language": EVERYONE,
    "schema": EVERYONE,
    "api_docs": EVERYONE,
    "home": SIGNED_IN,
    "api_me": SIGNED_IN,
    "api_reauthenticate": SIGNED_IN,
    "api_reauthenticate_code": SIGNED_IN,
    "api_face_check": SIGNED_IN,
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    "ops": {User.Role.OPERATOR},
    "ops_ping": {User.Role.OPERATOR},
    "admin:": {User.Role.OPERATOR},
    "admin:login": EVERYONE,
    "customers:": {User.Role.CUSTOMER},
    "customers:signup": EVERYONE,
    "customers_api:signup": EVERYONE,
    "customers_api:": {User.Role.CUSTOMER},
    "merchants:": OWNER_AND_STAFF,
    "merchants:signup": EVERYONE,
    "merchants:application": {User.Role.MERCHANT_OWNER},
    "merchants:application_submit": {User.Role.MERCHANT_OWNER},
    "merchants:licence": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "merchants:review_queue": {User.Role.OPERATOR},
    "merchants:review_decide": {User.Role.OPERATOR},
    "merchants:store_create": {User.Role.MERCHANT_OWNER},
    "merchants:staff_invite": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "merchants:staff_remove": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "merchants:terminal_register": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "merchants:terminal_rotate": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "merchants:terminal_revoke": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "merchants:terminal_resume": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "merchants:settlements": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "merchants:settlements_csv": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "merchants_api:": OWNER_AND_STAFF,
    "merchants_api:settlements": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "payments:": OWNER_AND_STAFF,
    "payments_api:": OWNER_AND_STAFF,
    "payments:terminal_pair": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "payments:settlement_detail": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "payments:settlement_csv": {User.Role.MERCHANT_OWNER, User.Role.OPERATOR},
    "payments_api:dispute_open": {User.Role.CUSTOMER},
    "payments:face_payments": {User.Role.CUSTOMER},
    "payments:not_me": {User.Role.CUSTOMER},
    "payments:receipt_dispute": {User.Role.CUSTOMER},
    "ops_disputes:": {User.Role.OPERATOR},
    "credit:": {User.Role.FINANCE_REVIEWER, User.Role.OPERATOR},
    "credit_api:": {User.Role.FINANCE_REVIEWER, User.Role.OPERATOR},
    "credit:merchant_score": {User.Role.MERCHANT_OWNER},
    "credit:contest_open": {User.Role.MERCHANT_OWNER},
    "credit_api:my_scores": {User.Role.MERCHANT_OWNER},
    "credit_api:merchant_score": {
        User.Role.FINANCE_REVIEWER,
        User.Role.OPERATOR,
        User.Role.MERCHANT_OWNER,
    },
}

# Routes that answer every visitor on purpose but not with a page (e.g. signed terminal calls).
NOT_ROLE_SCOPED: set[str] = {
    "merchants_api:terminal_me",
    *(
        f"payments_api:{name}"
        for name in (
            "attempt_create",
            "attempt_code",
            "attempt_detail",
            "attempt_step_up",
            "attempt_confirm",
            "attempt_cancel",
            "attempt_refund",
        )
    ),
}


def walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)


def concrete(route: str) -> str:
    """Turn a route into a URL: converters get a plausible value, regexes their plain form."""
    route = re.sub(r"<int:\w+>", "1", route)
    route = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000001", route)
    route = re.sub(r"<(?:str|slug|path):\w+>|<\w+>", "x", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    route = route.lstrip("^").rstrip("$").replace("\\", "")
    return "/" + route.lstrip("/")


def allowed_roles(name: str) -> set[str]:
    if name in ACCESS:
        return ACCESS[name]
    namespace = name.split(":", 1)[0] + ":"
    if namespace in ACCESS:
        return ACCESS[namespace]
    raise AssertionError(f"URL {name!r} is not in the access table of {__file__}")


ROUTES = sorted(set(walk(get_resolver().url_patterns)))


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS])
def test_every_url_refuses_the_wrong_role_and_never_fails(role: str) -> None:
    client = Client(raise_request_exception=False)
    user = UserFactory(role=role) if role != ANONYMOUS else None
    problems = []
    for name, route in ROUTES:
        url = concrete(route)
        is_api = url.startswith("/api/")
        for method in ("get", "post"):
            if user is not None:
                client.force_login(user)  # the walk posts to /accounts/logout/ too
            response = getattr(client, method)(url)
            status = response.status_code
            if status >= 500:
                problems.append(f"{method.upper()} {url} ({name}) → {status}")
                continue
            if name in NOT_ROLE_SCOPED or role in allowed_roles(name):
                continue
            if role == ANONYMOUS and not is_api:
                refused = (
                    status == 403
                    or (status == 302 and "/accounts/login/" in response["Location"])
                    or (status == 302 and name.startswith("admin:"))
                )
            else:
                refused = status in (401, 403) or (name.startswith("admin:") and status == 302)
            if not refused:
                problems.append(f"{method.upper()} {url} ({name}) as {role} → {status}")
    assert not problems, "\n".join(problems)


def test_every_named_route_is_in_the_access_table() -> None:
    for name, _route in ROUTES:
        allowed_roles(name)
