"""Must-show #1: terminal device authentication, each refusal with its stable code."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from facepay.models import User
from merchants import nonces, services
from merchants.models import Merchant, Terminal, TerminalNonce
from merchants.signing import sign_request
from tests.merchants.factories import terminal_with_secret

pytestmark = pytest.mark.django_db

URL = "/api/merchants/terminal/me"


def signed_get(client: APIClient, *, key_id: str, secret: str, **overrides: object):
    headers = sign_request(
        secret=secret, method="GET", path=URL, body=b"", terminal_id=key_id, **overrides
    )
    return client.get(URL, headers=headers)


def assert_refused(response, code: str) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == code


def test_terminal_signature_valid_request_is_accepted(api_client: APIClient) -> None:
    credentials = terminal_with_secret()
    assert reverse("merchants_api:terminal_me") == URL
    response = signed_get(api_client, key_id=credentials.key_id, secret=credentials.secret)
    assert response.status_code == 200, response.content
    body = response.json()
    terminal = credentials.terminal
    assert body["terminal"]["id"] == terminal.pk
    assert body["terminal"]["key_id"] == credentials.key_id
    assert body["store"]["id"] == terminal.store_id
    assert body["merchant"]["id"] == terminal.store.merchant_id
    assert Terminal.objects.get(pk=terminal.pk).last_seen_at is not None


def test_terminal_signature_secret_is_stored_sealed() -> None:
    credentials = terminal_with_secret()
    stored = Terminal.objects.get(pk=credentials.terminal.pk).secret_sealed
    assert stored.startswith("v1:")
    assert credentials.secret not in stored


def test_terminal_signature_wrong_secret_is_refused(api_client: APIClient) -> None:
    credentials = terminal_with_secret()
    response = signed_get(api_client, key_id=credentials.key_id, secret="not-the-secret")
    assert_refused(response, "signature_invalid")
    assert Terminal.objects.get(pk=credentials.terminal.pk).last_seen_at is None


def test_terminal_signature_body_changed_after_signing_is_refused(api_client: APIClient) -> None:
    credentials = terminal_with_secret()
    signed_body = json.dumps({"amount_minor": 1250}).encode()
    headers = sign_request(
        secret=credentials.secret,
        method="POST",
        path=URL,
        body=signed_body,
        terminal_id=credentials.key_id,
    )
    response = api_client.post(
        URL,
        data=json.dumps({"amount_minor": 99999}),
        content_type="application/json",
        headers=headers,
    )
    assert_refused(response, "signature_invalid")


def test_terminal_signature_path_changed_after_signing_is_refused(api_client: APIClient) -> None:
    credentials = terminal_with_secret()
    headers = sign_request(
        secret=credentials.secret,
        method="GET",
        path="/api/other",
        body=b"",
        terminal_id=credentials.key_id,
    )
    assert_refused(api_client.get(URL, headers=headers), "signature_invalid")


def test_terminal_signature_six_minute_old_timestamp_is_refused(api_client: APIClient) -> None:
    credentials = terminal_with_secret()
    response = signed_get(
        api_client,
        key_id=credentials.key_id,
        secret=credentials.secret,
        timestamp=int(time.time()) - 6 * 60,
    )
    assert_refused(response, "timestamp_out_of_range")


def test_terminal_signature_future_timestamp_is_refused(api_client: APIClient) -> None:
    credentials = terminal_with_secret()
    response = signed_get(
        api_client,
        key_id=credentials.key_id,
        secret=credentials.secret,
        timestamp=int(time.time()) + 6 * 60,
    )
    assert_refused(response, "timestamp_out_of_range")


def test_terminal_signature_four_minute_old_timestamp_is_accepted(api_client: APIClient) -> None:
    credentials = terminal_with_secret()
    response = signed_get(
        api_client,
        key_id=credentials.key_id,
        secret=credentials.secret,
        timestamp=int(time.time()) - 4 * 60,
    )
    assert response.status_code == 200


def test_terminal_signature_replayed_nonce_is_refused(api_client: APIClient) -> None:
    credentials = terminal_with_secret()
    headers = sign_request(
        secret=credentials.secret,
        method="GET",
        path=URL,
        body=b"",
        terminal_id=credentials.key_id,
        nonce="nonce-0001-abcdef",
    )
    assert api_client.get(URL, headers=headers).status_code == 200
    assert_refused(api_client.get(URL, headers=headers), "nonce_replayed")


def test_terminal_signature_revoked_terminal_is_refused(api_client: APIClient, make_user) -> None:
    credentials = terminal_with_secret()
    owner = credentials.terminal.store.merchant.owner
    services.terminal_revoke(actor=owner, terminal=credentials.terminal)
    response = signed_get(api_client, key_id=credentials.key_id, secret=credentials.secret)
    assert_refused(response, "terminal_revoked")


def test_terminal_signature_rotated_secret_old_refused_new_accepted(
    api_client: APIClient,
) -> None:
    old = terminal_with_secret()
    owner = old.terminal.store.merchant.owner
    new = services.terminal_rotate_secret(actor=owner, terminal=old.terminal)
    assert new.key_id == old.key_id
    assert new.secret != old.secret
    assert_refused(
        signed_get(api_client, key_id=old.key_id, secret=old.secret), "signature_invalid"
    )
    assert signed_get(api_client, key_id=new.key_id, secret=new.secret).status_code == 200


def test_terminal_signature_unapproved_merchant_is_refused(api_client: APIClient) -> None:
    credentials = terminal_with_secret()
    Merchant.objects.filter(pk=credentials.terminal.store.merchant_id).update(
        status=Merchant.Status.UNDER_REVIEW
    )
    response = signed_get(api_client, key_id=credentials.key_id, secret=credentials.secret)
    assert_refused(response, "merchant_not_approved")


def test_terminal_signature_unknown_terminal_is_refused(api_client: APIClient) -> None:
    response = signed_get(api_client, key_id="term_doesnotexist", secret="whatever")
    assert_refused(response, "terminal_unknown")


def test_terminal_signature_missing_headers_are_refused(api_client: APIClient) -> None:
    assert_refused(api_client.get(URL), "signature_missing")
    credentials = terminal_with_secret()
    headers = sign_request(
        secret=credentials.secret, method="GET", path=URL, body=b"", terminal_id=credentials.key_id
    )
    del headers["X-Nonce"]
    assert_refused(api_client.get(URL, headers=headers), "signature_missing")


def test_terminal_signature_session_user_is_not_a_terminal(make_user) -> None:
    client = APIClient()
    client.force_authenticate(make_user(User.Role.MERCHANT_OWNER))
    assert_refused(client.get(URL), "signature_missing")


def test_terminal_signature_replay_is_refused_after_a_restart_without_redis(
    api_client: APIClient, settings
) -> None:
    # Embedded mode (no Redis): the Django cache is this process's memory, which a restart
    # empties; the nonce must be in a store that outlives it (the database here).
    settings.REDIS_URL = ""
    credentials = terminal_with_secret()
    headers = sign_request(
        secret=credentials.secret,
        method="GET",
        path=URL,
        body=b"",
        terminal_id=credentials.key_id,
        nonce="nonce-restart-0001",
    )
    assert api_client.get(URL, headers=headers).status_code == 200
    cache.clear()  # what a restart (or another process) starts with
    assert_refused(api_client.get(URL, headers=headers), "nonce_replayed")
    assert TerminalNonce.objects.filter(terminal=credentials.terminal).count() == 1


def test_terminal_nonces_past_the_window_are_purged(settings) -> None:
    settings.REDIS_URL = ""
    terminal = terminal_with_secret().terminal
    now = timezone.now()
    old = now - timedelta(seconds=nonces.window_seconds() + 1)
    assert nonces.nonce_claim(terminal_id=terminal.pk, nonce="old-nonce-01", now=old)
    nonces._last_purge = time.monotonic() - nonces.PURGE_EVERY_SECONDS
    assert nonces.nonce_claim(terminal_id=terminal.pk, nonce="new-nonce-01", now=now)
    assert not nonces.nonce_claim(terminal_id=terminal.pk, nonce="new-nonce-01", now=now)
    assert list(TerminalNonce.objects.values_list("nonce", flat=True)) == ["new-nonce-01"]
