"""Issue 14, findings 1 and 12: the sign-in throttle (site and admin login) slows a guesser per
account and client without locking the owner out, and a texted or e-mailed one-time code lets
the owner in through any lock."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from facepay.models import User
from tests.customers.factories import CustomerFactory
from tests.facepay.factories import TEST_PASSWORD, UserFactory

ATTACKER, OWNER = "203.0.113.7", "198.51.100.20"


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def sign_in(client: Client, path: str, username: str, password: str, ip: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(path, {"username": username, "password": password, **extra}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_admin_login_refuses_the_right_password_after_fifteen_wrong_ones() -> None:
    operator = UserFactory(
        username="operator", role=User.Role.OPERATOR, is_staff=True, is_superuser=True
    )
    client = Client()
    for _ in range(15):
        sign_in(client, "/admin/login/", operator.username, "wrong", ATTACKER)

    response = sign_in(client, "/admin/login/", operator.username, TEST_PASSWORD, ATTACKER)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "Too many failed sign-in attempts" in response.content.decode()


@pytest.mark.django_db
def test_admin_and_site_login_share_one_failure_budget() -> None:
    operator = UserFactory(role=User.Role.OPERATOR, is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(10):
        sign_in(client, "/admin/login/", operator.username, "wrong", ATTACKER)

    response = sign_in(client, "/accounts/login/", operator.username, TEST_PASSWORD, ATTACKER)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wrong_passwords_from_one_client_neither_lock_the_owner_nor_the_whole_client() -> None:
    victim, neighbour = UserFactory(), UserFactory()
    attacker = Client()
    for _ in range(10):
        sign_in(attacker, "/accounts/login/", victim.username, "wrong", ATTACKER)
    assert sign_in(attacker, "/accounts/login/", victim.username, "x", ATTACKER).status_code == 429

    owner = Client()
    response = sign_in(owner, "/accounts/login/", victim.username, TEST_PASSWORD, OWNER)
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(victim.pk)
    same_café = Client()
    response = sign_in(same_café, "/accounts/login/", neighbour.username, TEST_PASSWORD, ATTACKER)
    assert response.status_code == 302
    assert same_café.session["_auth_user_id"] == str(neighbour.pk)


@pytest.mark.django_db
def test_an_account_under_attack_from_many_clients_lets_its_owner_in_with_a_texted_code(
    tmp_path: Path,
    settings,  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    settings.DATA_DIR = tmp_path
    customer = CustomerFactory()
    username = customer.user.username
    for index in range(40):
        sign_in(Client(), "/accounts/login/", username, "wrong", f"192.0.2.{index}")
    owner = Client()
    refused = sign_in(owner, "/accounts/login/", username, TEST_PASSWORD, OWNER)
    assert refused.status_code == 429
    assert "_auth_user_id" not in owner.session

    with django_capture_on_commit_callbacks(execute=True):
        sent = owner.post("/accounts/login/code/", {"username": username}, REMOTE_ADDR=OWNER)
    assert sent.status_code == 302
    outbox = (tmp_path / "sms-outbox.jsonl").read_text().splitlines()
    message = json.loads(outbox[-1])
    assert message["phone"] == customer.user.phone
    code = re.search(r"\b(\d{6})\b", message["message"]).group(1)
    wrong = sign_in(owner, "/accounts/login/", username, TEST_PASSWORD, OWNER, code="000000")
    assert "_auth_user_id" not in owner.session
    assert wrong.status_code == 429

    response = sign_in(owner, "/accounts/login/", username, TEST_PASSWORD, OWNER, code=code)

    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(customer.user.pk)


@pytest.mark.django_db
def test_a_sign_in_code_is_sent_by_e_mail_without_a_phone_and_the_answer_is_uniform(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    operator = UserFactory(role=User.Role.OPERATOR, phone="")
    client = Client()

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/login/code/", {"username": operator.username}, follow=True)
        unknown = client.post("/accounts/login/code/", {"username": "nobody-here"}, follow=True)

    assert [m.to for m in mail.outbox] == [[operator.email]]
    assert re.search(r"\b\d{6}\b", mail.outbox[0].body)
    assert known.status_code == unknown.status_code == 200
    assert [str(m) for m in known.context["messages"]] == [
        str(m) for m in unknown.context["messages"]
    ]
