"""The platform shell: health, API schema and docs, error shape, login landing, language."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from facepay.face import errors as face_errors
from facepay.face import intake
from facepay.models import User
from tests.customers.factories import CustomerFactory
from tests.facepay.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_component_ok_in_embedded_mode(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) == {
        "database",
        "cache",
        "celery_broker",
        "channel_layer",
        "face_models",
        "worker",
        "queue",
    }
    assert all(component["ok"] for component in body["components"].values())
    assert body["components"]["channel_layer"]["backend"] == "InMemoryChannelLayer"


def test_api_schema_is_valid_openapi_3(client: Client) -> None:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/me/" in schema["paths"]


def test_api_docs_render_from_local_assets_only(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert urls, "the docs page loads its assets"
    assert not [u for u in urls if u.startswith(("http://", "https://", "//"))]
    for url in urls:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url


def test_api_errors_use_the_single_error_shape(api_client: APIClient) -> None:
    response = api_client.get("/api/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401  # issue 14: missing credentials are 401, with a challenge
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "extra": {},
        }
    }


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (User.Role.CUSTOMER, "/customers/"),
        (User.Role.MERCHANT_OWNER, "/merchants/"),
        (User.Role.STORE_STAFF, "/merchants/"),
        (User.Role.FINANCE_REVIEWER, "/credit/"),
        (User.Role.OPERATOR, "/ops/"),
    ],
)
def test_login_lands_each_role_on_its_home_page(
    client: Client, make_user: Callable[..., User], role: str, home: str
) -> None:
    # A customer signs up through the portal, which always creates the profile with the user.
    user = CustomerFactory().user if role == User.Role.CUSTOMER else make_user(role)
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_login_refuses_after_ten_failures_even_with_the_right_password(
    client: Client, make_user: Callable[..., User]
) -> None:
    cache.clear()
    user = make_user()
    for _ in range(10):
        response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
        assert response.status_code == 200
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    cache.clear()


def test_pages_default_to_chinese_and_switch_to_english(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "zh-hans"  # the street's default (tests otherwise read English)
    response = client.get("/")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert response["Content-Language"] == "en"
    assert "Pay by looking at the counter." in response.content.decode()


@pytest.mark.django_db
def test_refusals_speak_the_readers_language_and_keep_their_code(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "zh-hans"
    client = APIClient()
    client.force_authenticate(CustomerFactory().user)
    limits = {"per_payment_limit_minor": 100, "daily_limit_minor": 50, "step_up_above_minor": 0}
    error = client.put("/api/customers/limits", limits, format="json").json()["error"]
    assert error == {"code": "limit_invalid", "message": "单笔限额不能超过每日限额。", "extra": {}}
    english = client.put(
        "/api/customers/limits", limits, format="json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()["error"]
    assert english["message"] == "The per-payment limit cannot exceed the daily limit."
    with translation.override("zh-hans"), pytest.raises(face_errors.ImageUnreadable) as refused:
        intake.decode_image(b"", max_bytes=1000, max_pixels=1000)
    assert (refused.value.code, refused.value.message) == ("image_unreadable", "上传的文件是空的。")
