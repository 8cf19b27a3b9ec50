"""Shared fixtures: users per role, API clients, the labelled photos; strict mode for CI."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from facepay import crypto
from facepay.models import User
from tests.facepay.factories import UserFactory

STRICT = os.environ.get("FACEPAY_STRICT_TESTS") == "1"
# One fixed key-encryption key for the test process and the stack's server and worker processes.
TEST_DATA_KEYS = "test:" + base64.b64encode(b"facepay-test-key-encryption-key!").decode()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Under FACEPAY_STRICT_TESTS=1 (CI) a skipped test is a failed test: nothing may be skipped."""
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but FACEPAY_STRICT_TESTS=1 forbids skips: {report.longrepr}"


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The labelled photo set (FACEPAY_FACES_DIR); tests that need it skip, loudly, without it."""
    root = Path(settings.FACEPAY_FACES_DIR)
    if not (root / "dev" / "pairs.csv").is_file():
        pytest.skip(f"needs the labelled photos: FACEPAY_FACES_DIR={root} has no dev/pairs.csv")
    return root


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(role: str = User.Role.CUSTOMER, **kwargs: object) -> User:
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(make_user: Callable[..., User]) -> Callable[[str], Client]:
    """A page client signed in as a fresh user of the given role."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(make_user(role))
        return client

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(request: pytest.FixtureRequest, settings) -> None:  # type: ignore[no-untyped-def]
    # Stack tests keep the real hasher: the live server must verify the passwords they set.
    if request.node.get_closest_marker("stack") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Tests read English msgids; the Chinese default has a test of its own."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _test_data_keys(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.FACEPAY_DATA_KEYS = [TEST_DATA_KEYS]
    crypto._key_ring.cache_clear()
    yield
    crypto._key_ring.cache_clear()
