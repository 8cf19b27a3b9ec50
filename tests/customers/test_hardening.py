"""Issue 14 regressions on the customer side."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from facepay.models import User

SIGNUP = {
    "phone": "+8613700002222",
    "display_name": "Li Wei",
    "date_of_birth": "1988-02-02",
    "password": "wuma-street-tea-2026",
}


@pytest.mark.django_db
def test_signup_api_refuses_a_cross_site_form_post_without_csrf_token(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("customers_api:signup"), SIGNUP, headers={"Origin": "https://evil.example"}
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert "sessionid" not in response.cookies
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_api_refuses_a_foreign_origin_even_with_a_csrf_token(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("customers:signup"))
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("customers_api:signup"),
        SIGNUP,
        headers={"Origin": "https://evil.example", "X-CSRFToken": token},
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_api_accepts_a_same_origin_post_with_its_csrf_token(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("customers:signup"))
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("customers_api:signup"),
        SIGNUP,
        content_type="application/json",
        headers={"Origin": "http://testserver", "X-CSRFToken": token},
    )

    assert response.status_code == 201
    assert User.objects.filter(phone="+8613700002222").exists()
