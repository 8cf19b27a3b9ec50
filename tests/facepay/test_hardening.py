"""Issue 14: each weakness the outside attack run found, closed with a regression test.

Every test here failed on the code before its fix (see the issue's closing note).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate
from rest_framework import serializers
from rest_framework.test import APIClient

from customers.models import Customer
from merchants.signing import sign_request
from payments.models import PaymentAttempt
from payments.sales.consumers import DashboardConsumer
from tests.conftest import TEST_DATA_KEYS
from tests.customers.factories import CustomerFactory
from tests.facepay.factories import UserFactory
from tests.merchants.factories import terminal_with_secret

TERMINAL_ME = "/api/merchants/terminal/me"


def owner_client(store_id: int | None = None) -> tuple[Client, int]:
    credentials = terminal_with_secret()
    client = Client(raise_request_exception=False)
    client.force_login(credentials.terminal.store.merchant.owner)
    return client, credentials.terminal.store_id


def assert_error(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content[:500]
    assert response.json()["error"]["code"] == code, response.content[:500]


# --- 5: unbounded date ranges ---------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard", "payments", "refunds"])
def test_merchant_api_date_range_longer_than_a_year_is_refused(name: str) -> None:
    client, _store = owner_client()
    response = client.get(
        reverse(f"merchants_api:{name}"), {"start": "2020-01-01", "end": "2025-12-31"}
    )
    assert_error(response, 400, "period_too_long")
    response = client.get(
        reverse(f"merchants_api:{name}"), {"start": "1026-01-01", "end": "2025-12-31"}
    )
    assert_error(response, 400, "date_out_of_range")
    response = client.get(
        reverse(f"merchants_api:{name}"), {"start": "2025-01-01", "end": "2025-12-31"}
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_merchant_pages_date_range_longer_than_a_year_is_refused() -> None:
    client, _store = owner_client()
    period = {"start": "2024-01-01", "end": "2025-12-31"}
    page = client.get(reverse("merchants:home"), period)
    assert page.status_code == 400
    assert b"at most 366 days" in page.content
    export = client.get(reverse("merchants:payments_csv"), period)
    assert export.status_code == 400
    assert b"period_too_long" in export.content


# --- 6: 500s from bad numbers and dates ---------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("stamp", ["²", "9" * 5000, "１２３"])
def test_terminal_timestamp_that_is_not_ascii_digits_is_refused(stamp: str) -> None:
    credentials = terminal_with_secret()
    headers = sign_request(
        secret=credentials.secret,
        method="GET",
        path=TERMINAL_ME,
        terminal_id=credentials.key_id,
    )
    headers["X-Timestamp"] = stamp
    response = APIClient(raise_request_exception=False).get(TERMINAL_ME, headers=headers)
    assert_error(response, 401, "signature_malformed")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "query", "code"),
    [
        ("merchants_api:settlements", {"merchant": "²"}, "invalid_input"),
        ("merchants_api:settlements", {"merchant": "9" * 5000}, "invalid_input"),
        ("merchants_api:dashboard", {"merchant": "²"}, "invalid_input"),
        ("merchants_api:dashboard", {"merchant": "9" * 30}, "invalid_input"),
        ("merchants_api:dashboard", {"store": "9" * 30}, "invalid_input"),
        ("merchants_api:dashboard", {"end": "9999-12-31"}, "date_out_of_range"),
        (
            "merchants_api:dashboard",
            {"start": "0001-01-01", "end": "0001-01-02"},
            "date_out_of_range",
        ),
        ("merchants_api:payments", {"end": "9999-12-31"}, "date_out_of_range"),
    ],
)
def test_merchant_api_bad_numbers_and_dates_are_400(
    url_name: str, query: dict[str, str], code: str
) -> None:
    client, _store = owner_client()
    assert_error(client.get(reverse(url_name), query), 400, code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"store": "²"},
        {"store": "9" * 5000},
        {"end": "9999-12-31"},
        {"start": "0001-01-01", "end": "0001-01-02"},
    ],
)
@pytest.mark.parametrize("url_name", ["merchants:home", "merchants:payments_csv"])
def test_merchant_pages_bad_numbers_and_dates_are_400(url_name: str, query: dict) -> None:
    client, _store = owner_client()
    response = client.get(reverse(url_name), query)
    assert response.status_code == 400, response.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["daily_limit_minor"])
def test_customer_limits_above_a_bigint_are_400(field: str) -> None:
    customer = CustomerFactory()
    client = APIClient(raise_request_exception=False)
    client.force_login(customer.user)
    limits = {"per_payment_limit_minor": 100, "daily_limit_minor": 200, "step_up_above_minor": 0}
    before = Customer.objects.filter(pk=customer.pk).values().get()
    response = client.put(reverse("customers_api:limits"), {**limits, field: 2**63}, format="json")
    assert_error(response, 400, "invalid_input")
    assert Customer.objects.filter(pk=customer.pk).values().get() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("store", ["9" * 5000, "²", "-1"])
def test_dashboard_socket_with_a_malformed_store_is_refused(store: str) -> None:
    owner = terminal_with_secret().terminal.store.merchant.owner

    async def scenario() -> tuple[bool, int | None]:
        socket = WebsocketCommunicator(
            DashboardConsumer.as_asgi(), f"/ws/merchants/dashboard/?store={store}"
        )
        socket.scope["user"] = owner
        connected, code = await socket.connect()
        await socket.disconnect()
        return connected, code

    assert async_to_sync(scenario)() == (False, 4400)


# --- 18: the terminal takes the street's currency and ASCII integer amounts only -------------
def signed_post(credentials, path: str, body: dict) -> object:  # type: ignore[no-untyped-def]
    raw = json.dumps(body).encode()
    headers = sign_request(
        secret=credentials.secret,
        method="POST",
        path=path,
        body=raw,
        terminal_id=credentials.key_id,
    )
    client = APIClient(raise_request_exception=False)
    return client.post(path, data=raw, content_type="application/json", headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (100, "usd", "currency_unsupported"),
        (100, "EUR", "currency_unsupported"),
        ("１００", "CNY", "invalid_input"),
        ("100.0", "CNY", "invalid_input"),
        (100.5, "CNY", "invalid_input"),
        (100.0, "CNY", "invalid_input"),
        (True, "CNY", "invalid_input"),
    ],
)
def test_terminal_code_payment_takes_only_street_currency_and_ascii_integers(
    amount: object, currency: str, code: str
) -> None:
    credentials = terminal_with_secret()
    response = signed_post(
        credentials,
        "/api/payments/terminal/attempts/code/",
        {
            "amount_minor": amount,
            "currency": currency,
            "idempotency_key": uuid.uuid4().hex,
            "payment_code": "123456",
        },
    )
    assert_error(response, 400, code)
    assert PaymentAttempt.objects.count() == 0


# --- 17: errors under /api/ are the JSON error shape (production) --------------------------
@pytest.fixture
def production(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    return settings


@pytest.mark.django_db
def test_api_unknown_path_is_a_json_404(production) -> None:  # type: ignore[no-untyped-def]
    response = Client(raise_request_exception=False).get("/api/no-such-endpoint")
    assert_error(response, 404, "not_found")


@pytest.mark.django_db
def test_api_unexpected_exception_is_a_json_500(production, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(user: object) -> str:
        raise RuntimeError("injected fault")

    monkeypatch.setattr("facepay.selectors.home_url_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(CustomerFactory().user)
    response = client.get("/api/me/")
    assert_error(response, 500, "server_error")
    assert b"injected fault" not in response.content


@pytest.mark.django_db
def test_api_too_many_fields_is_a_json_400(production) -> None:  # type: ignore[no-untyped-def]
    body = "&".join(f"f{number}=1" for number in range(1200))
    response = Client(raise_request_exception=False).post(
        "/api/customers/signup", body, content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 400, "too_many_fields")
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_api_body_over_the_memory_limit_is_a_json_413(production) -> None:  # type: ignore[no-untyped-def]
    production.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client(raise_request_exception=False).post(
        "/api/customers/signup", {"phone": "1" * 5000, "display_name": "x"}
    )
    assert_error(response, 413, "request_too_large")
    assert not Customer.objects.exists()


# --- 19: the embedded demo (DEBUG) shows the production error pages ------------------------
@pytest.mark.django_db
def test_debug_404_page_lists_no_urls(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    response = Client(raise_request_exception=False).get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"URLconf" not in response.content
    assert b"admin/" not in response.content
    api = Client(raise_request_exception=False).get("/api/no-such-endpoint")
    assert_error(api, 404, "not_found")


@pytest.mark.django_db
def test_debug_500_page_shows_no_traceback(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True

    def broken(user: object) -> str:
        raise RuntimeError("injected fault")

    monkeypatch.setattr("facepay.selectors.home_url_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(CustomerFactory().user)
    page = client.get("/home/")
    assert page.status_code == 500
    assert b"Something went wrong" in page.content
    assert b"injected fault" not in page.content
    assert b"Traceback" not in page.content
    api = client.get("/api/me/")
    assert_error(api, 500, "server_error")
    assert b"injected fault" not in api.content


# --- 20: SQLite chosen through DATABASE_URL gets the embedded mode's options ----------------
def test_sqlite_database_url_gets_immediate_transactions_wal_and_a_busy_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = (
        "import json; from django.db import connection; connection.ensure_connection();"
        "cursor = connection.cursor();"
        "print(json.dumps({'options': connection.settings_dict['OPTIONS'],"
        " 'journal': cursor.execute('PRAGMA journal_mode').fetchone()[0],"
        " 'busy_ms': cursor.execute('PRAGMA busy_timeout').fetchone()[0]}))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'street.sqlite3'}",
        "FACEPAY_DATA_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["options"]["transaction_mode"] == "IMMEDIATE"
    assert seen["journal"] == "wal"
    assert seen["busy_ms"] == 20_000


# --- 15: production headers, strict CSP, check --deploy clean -------------------------------
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def test_templates_have_no_inline_scripts_handlers_or_styles() -> None:
    offenders = []
    for path in sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE):
            offenders += [f"{path.name}: {match.group(0)}" for match in pattern.finditer(text)]
    assert offenders == []


@pytest.mark.django_db
def test_pages_carry_a_strict_csp_and_a_permissions_policy() -> None:
    client = Client()
    client.force_login(UserFactory(role="operator"))
    for url in ("/", "/ops/", "/accounts/login/"):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert "camera=(self)" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]
        assert INLINE_SCRIPT.search(response.content.decode()) is None, url


def readme_production_environment() -> dict[str, str]:
    """The variables of README's production block, placeholders filled with valid values."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    block = readme.split("```bash\nexport DATABASE_URL", 1)[1].split("\n.venv", 1)[0]
    text = "DATABASE_URL" + block.replace("\\\n", " ")
    values = dict(re.findall(r"([A-Z][A-Z0-9_]+)=(\S+)", text))
    values["DJANGO_SECRET_KEY"] = "x" * 30 + "-production-secret-key-of-sufficient-length"
    values["FACEPAY_DATA_KEYS"] = TEST_DATA_KEYS
    values["DATABASE_URL"] = "sqlite:////tmp/facepay-check-deploy.sqlite3"
    values.pop("REDIS_URL", None)
    return values


def test_check_deploy_is_clean_under_readmes_production_variables(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, **readme_production_environment(), "FACEPAY_DATA_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    script = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert shown[:2] == ["True", "31536000"]
    assert "HTTP_X_FORWARDED_PROTO" in " ".join(shown[2:])


# --- 16: the OpenAPI document is right ----------------------------------------------------
@pytest.fixture(scope="module")
def openapi() -> dict:
    client = APIClient()
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def operations(document: dict):  # type: ignore[no-untyped-def]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_openapi_document_validates(openapi: dict) -> None:
    validate(openapi)


def test_openapi_generation_has_no_warnings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def _body_properties(document: dict, operation: dict) -> dict[str, set[str]]:
    found = {}
    for media, content in operation.get("requestBody", {}).get("content", {}).items():
        schema = content["schema"]
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        found[media] = set(schema.get("properties", {}))
    return found


def test_openapi_each_operation_documents_its_own_request_body(openapi: dict) -> None:
    """Every body the document shows is the body its view's serializer reads."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    checked = 0
    for path, _regex, method, callback in generator.endpoints:
        if method not in {"POST", "PUT", "PATCH"}:
            continue
        view = generator.create_view(callback, method)
        serializer = view.schema.get_request_serializer()
        if not isinstance(serializer, serializers.BaseSerializer) and not (
            isinstance(serializer, type) and issubclass(serializer, serializers.BaseSerializer)
        ):
            continue
        instance = serializer() if isinstance(serializer, type) else serializer
        fields = {name for name, field in instance.fields.items() if not field.read_only}
        operation = openapi["paths"][path][method.lower()]
        bodies = _body_properties(openapi, operation)
        assert bodies, f"{method} {path} documents no body"
        for media, properties in bodies.items():
            assert properties == fields, f"{method} {path} {media}"
        checked += 1
    assert checked >= 20
    code = openapi["paths"]["/api/payments/terminal/attempts/code/"]["post"]
    assert _body_properties(openapi, code)["application/json"] == {
        "amount_minor",
        "currency",
        "idempotency_key",
        "payment_code",
        "phone",
        "pin",
    }


def test_openapi_profile_date_of_birth_is_nullable(openapi: dict) -> None:
    schemas = openapi["components"]["schemas"]
    profile = schemas["ProfileOutput"]
    assert profile["properties"]["date_of_birth"].get("nullable") is True


def test_openapi_every_operation_documents_the_error_shape(openapi: dict) -> None:
    for path, method, operation in operations(openapi):
        for status in ("400", "401", "403", "404", "429", "500"):
            response = operation["responses"].get(status)
            assert response is not None, f"{method} {path} {status}"
            assert response["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
    error = openapi["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "extra"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/me/"),
        ("get", "/api/customers/me"),
        ("post", "/api/face/check"),
        ("get", "/api/merchants/dashboard"),
        ("post", "/api/payments/disputes/"),
    ],
)
def test_api_without_credentials_is_401_with_a_challenge(method: str, path: str) -> None:
    response = getattr(APIClient(), method)(path)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"]


WITHDRAWALS_SCRIPT = """
import json, threading
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
from payments import selectors, services
from tests.customers.factories import CustomerFactory
card = {"currency": "CNY", "card_brand": "unionpay", "card_last4": "4321"}
customer = CustomerFactory()
services.wallet_top_up(customer_id=customer.pk, amount_minor=10_000, idempotency_key="fund", **card)
connection.close()
barrier = threading.Barrier(10)
errors = []
def withdraw(number):
    barrier.wait()
    try:
        services.wallet_withdraw(
            customer_id=customer.pk, amount_minor=100, idempotency_key=f"w{number}", **card
        )
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()
threads = [threading.Thread(target=withdraw, args=(n,)) for n in range(10)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
balance = selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY")
print(json.dumps({"errors": errors, "balance": balance}))
"""


def test_sqlite_database_url_survives_ten_concurrent_withdrawals(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'street.sqlite3'}",
        "FACEPAY_DATA_DIR": str(tmp_path),
        "FACEPAY_DATA_KEYS": TEST_DATA_KEYS,
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", WITHDRAWALS_SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"errors": [], "balance": 10_000 - 10 * 100}
