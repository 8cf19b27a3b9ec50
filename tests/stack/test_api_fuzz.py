"""The API fuzzed (schemathesis) against the running ASGI server, as six roles.

Every operation of /api/schema/ gets FACEPAY_FUZZ_EXAMPLES (20) generated requests per role,
half with valid and half with invalid data, sent to the live uvicorn process: as an anonymous
caller, a customer, a merchant owner, a cashier, a finance reviewer and a signed terminal (a
requests auth hook signs each prepared request exactly as sent). A request fails the run when
the answer is a 5xx, has a status code the operation does not document, or does not match the
documented schema.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from django.conf import settings
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from facepay.models import User
from merchants.signing import sign_request
from tests.customers.factories import CustomerFactory
from tests.facepay.factories import UserFactory
from tests.merchants.factories import StoreStaffFactory, terminal_with_secret
from tests.stack.conftest import Stack

pytestmark = pytest.mark.django_db(transaction=True)

# Generated requests per operation and role, half valid and half invalid data.
EXAMPLES = int(os.environ.get("FACEPAY_FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class TerminalSignature(requests.auth.AuthBase):
    """Signs each prepared request (method, path with query, body) with the terminal secret."""

    def __init__(self, *, key_id: str, secret: str) -> None:
        self.key_id = key_id
        self.secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        headers = sign_request(
            secret=self.secret,
            method=request.method or "GET",
            path=request.path_url,
            body=body.encode() if isinstance(body, str) else body,
            terminal_id=self.key_id,
        )
        request.headers.update(headers)
        return request


@dataclass
class Tally:
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    failures: list[str] = field(default_factory=list)


def session_for(stack: Stack, user: User | None) -> requests.Session:
    session = requests.Session()
    if user is not None:
        session.cookies.set(settings.SESSION_COOKIE_NAME, stack.session_cookie(user))
        token = get_random_string(32)  # the CSRF secret a browser would hold, sent back
        session.cookies.set(settings.CSRF_COOKIE_NAME, token)
        session.headers["X-CSRFToken"] = token
    return session


def roles(stack: Stack) -> dict[str, requests.Session]:
    credentials = terminal_with_secret()
    owner = credentials.terminal.store.merchant.owner
    cashier = StoreStaffFactory(store=credentials.terminal.store).user
    terminal = requests.Session()
    terminal.auth = TerminalSignature(key_id=credentials.key_id, secret=credentials.secret)
    return {
        "anonymous": session_for(stack, None),
        "customer": session_for(stack, CustomerFactory(user__phone="+8613700001111").user),
        "owner": session_for(stack, owner),
        "cashier": session_for(stack, cashier),
        "finance": session_for(stack, UserFactory(role=User.Role.FINANCE_REVIEWER)),
        "terminal": terminal,
    }


def fuzz_operation(
    operation: schemathesis.APIOperation,
    *,
    session: requests.Session,
    base_url: str,
    tally: Tally,
    label: str,
) -> None:
    """Run EXAMPLES cases (half valid, half invalid data); record each mode's first failure."""
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=max(1, EXAMPLES // 2),
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            tally.requests += 1
            response = case.call(base_url=base_url, session=session, timeout=30)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collected, then reported together
            tally.failures.append(f"{label} [{mode.value}]: {str(exc)[:600]}")


def test_api_fuzz_as_every_role(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    schema = schemathesis.openapi.from_url(f"{stack.base_url}/api/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    tally = Tally()
    started = time.monotonic()
    for role, session in roles(stack).items():
        for operation in operations:
            label = f"{role} {operation.label}"
            tally.operations.add(operation.label)
            fuzz_operation(
                operation, session=session, base_url=stack.base_url, tally=tally, label=label
            )
    summary = (
        f"schemathesis: {len(tally.operations)} operations x 6 roles, {tally.requests} requests,"
        f" {len(tally.failures)} failures in {time.monotonic() - started:.0f} s"
    )
    with capsys.disabled():
        print("\n" + summary)  # noqa: T201 - the summary line the issue asks for
    assert tally.failures == [], summary + "\n" + "\n\n".join(tally.failures)


def test_terminal_signature_hook_is_accepted(stack: Stack) -> None:
    """The fuzzing hook signs as a terminal does: a plain signed call is answered 200."""
    credentials = terminal_with_secret()
    client = requests.Session()
    client.auth = TerminalSignature(key_id=credentials.key_id, secret=credentials.secret)
    response = client.get(f"{stack.base_url}/api/merchants/terminal/me", timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["terminal"]["key_id"] == credentials.key_id
