"""Pay by face on the real stack: PostgreSQL, Redis, a Celery worker and uvicorn.

Must-show 1 (a real photo → live status → capture with exact account movements), 2 (five
identical requests and a SIGKILLed worker still give one capture) and 3 (50 concurrent captures
against a wallet funded for 10).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection
from django.utils import timezone
from websockets.sync.client import ClientConnection, connect

from customers.models import Customer
from facepay.errors import FacePayError
from facepay.face.engine import get_engine
from merchants.models import Store
from merchants.signing import sign_request
from payments import ledger, selectors, services
from payments.models import Account, JournalEntry, PaymentAttempt
from tests.merchants.factories import MerchantFactory, StoreStaffFactory, terminal_with_secret
from tests.payments.bursts import PAY_CLIP
from tests.payments.factories import enrolled_customer
from tests.stack.conftest import Stack
from tests.stack.live_camera import burst_payload, clip_person_embedding

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = "/api/payments/terminal/attempts/"
DECIDED = {"awaiting_confirmation", "step_up_required", "declined", "captured", "expired"}


@dataclass
class Device:
    """A signed counter terminal talking to the live server."""

    base_url: str
    terminal_pk: int
    store_id: int
    key_id: str
    secret: str

    def call(self, method: str, path: str, payload: object = None) -> httpx.Response:
        body = b"" if payload is None else json.dumps(payload).encode()
        headers = sign_request(
            secret=self.secret, method=method, path=path, body=body, terminal_id=self.key_id
        )
        headers["Content-Type"] = "application/json"
        return httpx.request(
            method, self.base_url + path, content=body or None, headers=headers, timeout=30
        )


def make_device(stack: Stack, *, fee_rate_bps: int = 60) -> Device:
    credentials = terminal_with_secret(store__merchant=MerchantFactory(fee_rate_bps=fee_rate_bps))
    terminal = credentials.terminal
    return Device(
        stack.base_url, terminal.pk, terminal.store_id, credentials.key_id, credentials.secret
    )


def terminal_socket(stack: Stack, device: Device) -> ClientConnection:
    staff = StoreStaffFactory(store=Store.objects.get(pk=device.store_id))
    return connect(
        f"{stack.ws_url}/ws/payments/terminal/{device.terminal_pk}/",
        additional_headers={
            "Cookie": f"sessionid={stack.session_cookie(staff.user)}",
            "Origin": stack.base_url,
        },
        open_timeout=10,
    )


def statuses_until_decided(socket: ClientConnection, attempt_id: str, timeout: float = 90) -> list:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = json.loads(socket.recv(timeout=deadline - time.monotonic()))
        if event["type"] == "payment.status" and event["attempt"]["id"] == attempt_id:
            seen.append(event["attempt"]["status"])
            if seen[-1] in DECIDED:
                return seen
    raise AssertionError(f"no decision pushed within {timeout} s: {seen}")


def enrol_clip_person(*, amount_minor: int) -> Customer:
    """The live clip's person, enrolled from their other clip's burst and funded."""
    return enrolled_customer(
        clip_person_embedding(), amount_minor=amount_minor, model_version=get_engine().model_version
    )


def create_payload(amount_minor: int, key: str) -> dict[str, Any]:
    return {"amount_minor": amount_minor, "currency": "CNY", "idempotency_key": key}


def pay_by_face(
    device: Device, amount_minor: int, key: str, clip: tuple[str, int] = PAY_CLIP
) -> httpx.Response:
    """A counter's face payment: create the attempt, then post the clip's burst under its
    challenge. The burst's reply (202), or the create's refusal as it came."""
    created = device.call("POST", CREATE, create_payload(amount_minor, key))
    if created.status_code != 201:
        return created
    attempt = created.json()
    return device.call("POST", f"{CREATE}{attempt['id']}/burst/", burst_payload(attempt, clip))


def balance(kind: str, **owner: int) -> int:
    account = Account.objects.filter(kind=kind, currency="CNY", **owner).first()
    return ledger.balance_minor(account) if account else 0


def test_face_payment_end_to_end_moves_exact_amounts(stack: Stack) -> None:
    customer = enrolled_customer(
        clip_person_embedding(), amount_minor=20_000, model_version=get_engine().model_version
    )
    device = make_device(stack, fee_rate_bps=60)
    merchant_id = Store.objects.get(pk=device.store_id).merchant_id
    fees_before = balance("platform_fee_revenue")
    with terminal_socket(stack, device) as socket:
        started = time.perf_counter()
        response = device.call(
            "POST", CREATE, {"amount_minor": 3850, "currency": "CNY", "idempotency_key": "e2e-1"}
        )
        assert response.status_code == 201, response.text
        attempt_id = response.json()["id"]
        assert response.json()["liveness_challenge"] == "blink"
        sent = device.call("POST", f"{CREATE}{attempt_id}/burst/", burst_payload(response.json()))
        assert sent.status_code == 202, sent.text
        seen = statuses_until_decided(socket, attempt_id)
        to_confirm = time.perf_counter() - started
        assert seen[-1] == "awaiting_confirmation", seen
        assert "recognising" in seen
        paid = device.call("POST", f"{CREATE}{attempt_id}/confirm/")
        assert paid.status_code == 200, paid.text
        assert statuses_until_decided(socket, attempt_id)[-1] == "captured"
    print(f"create → burst → awaiting_confirmation push: {to_confirm * 1000:.0f} ms; seen {seen}")  # noqa: T201
    attempt = PaymentAttempt.objects.get(public_id=attempt_id)
    assert attempt.customer_id == customer.pk
    assert attempt.similarity is not None
    assert attempt.model_version
    assert attempt.fee_minor == 23  # 3850 × 0.60 % = 23.1 → 23
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 20_000 - 3850
    assert balance("merchant_payable", merchant_id=merchant_id) == 3850 - 23
    assert balance("platform_fee_revenue") - fees_before == 23
    assert not attempt.frames.exists()
    assert ledger.verify_books().problems == []


def test_five_identical_requests_and_a_killed_worker_give_one_capture(
    stack: Stack, tmp_path: Path
) -> None:
    customer = enrol_clip_person(amount_minor=20_000)
    device = make_device(stack)
    killed_mid_job = False
    for round_number in range(3):
        # A fresh worker is cold (it loads the engine on its first job): a wide window to kill.
        stack.kill_worker()
        stack.start_worker()
        key = f"kill-{round_number}-{uuid.uuid4().hex[:6]}"
        payload = create_payload(2500, key)
        with ThreadPoolExecutor(max_workers=5) as pool:
            responses = list(pool.map(device.call, ["POST"] * 5, [CREATE] * 5, [payload] * 5))
        assert [r.status_code for r in responses] == [201] * 5
        ids = {r.json()["id"] for r in responses}
        assert len(ids) == 1
        attempt_id = ids.pop()
        burst = burst_payload(responses[0].json())
        sent = device.call("POST", f"{CREATE}{attempt_id}/burst/", burst)
        assert sent.status_code == 202, sent.text
        # The recording is taken once: a second one for the same attempt is refused.
        again = device.call("POST", f"{CREATE}{attempt_id}/burst/", burst)
        assert again.status_code == 409, again.text
        deadline = time.monotonic() + 60
        status = "created"
        while status == "created" and time.monotonic() < deadline:
            status = PaymentAttempt.objects.get(public_id=attempt_id).status
            time.sleep(0.01)
        stack.kill_worker()
        status = PaymentAttempt.objects.get(public_id=attempt_id).status
        if status == "recognising":
            killed_mid_job = True
            break
    assert killed_mid_job, "the job always finished before the kill"
    assert PaymentAttempt.objects.filter(terminal_id=device.terminal_pk).count() == round_number + 1
    stack.start_beat(tmp_path)  # its sweeper re-drives the job the killed worker held
    try:
        stack.start_worker()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            attempt = PaymentAttempt.objects.get(public_id=attempt_id)
            if attempt.status != "recognising":
                break
            time.sleep(0.2)
    finally:
        stack.stop_beat()
    assert attempt.status == "awaiting_confirmation", attempt.status
    with ThreadPoolExecutor(max_workers=5) as pool:
        confirms = list(
            pool.map(lambda _: device.call("POST", f"{CREATE}{attempt_id}/confirm/"), range(5))
        )
    assert [c.status_code for c in confirms] == [200] * 5
    assert {c.json()["status"] for c in confirms} == {"captured"}
    assert JournalEntry.objects.filter(reference=f"capture:{attempt_id}").count() == 1
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 20_000 - 2500
    assert ledger.verify_books().problems == []


def test_fifty_concurrent_captures_against_a_wallet_funded_for_ten(stack: Stack) -> None:
    customer = enrolled_customer(amount_minor=10_000)
    Customer.objects.filter(pk=customer.pk).update(daily_limit_minor=10**9)
    credentials = terminal_with_secret()
    terminal = credentials.terminal
    now = timezone.now()
    attempts = [
        PaymentAttempt.objects.create(
            terminal=terminal,
            store_id=terminal.store_id,
            merchant_id=terminal.store.merchant_id,
            idempotency_key=f"c{n}",
            amount_minor=1000,
            currency="CNY",
            status=PaymentAttempt.Status.AWAITING_CONFIRMATION,
            customer=customer,
            customer_masked_name="李**",
            awaiting_confirmation_at=now,
            expires_at=now + timedelta(minutes=5),
        )
        for n in range(50)
    ]
    barrier = threading.Barrier(25)

    def confirm(attempt: PaymentAttempt) -> str:
        try:
            if attempt.idempotency_key in {f"c{n}" for n in range(25)}:
                barrier.wait(timeout=30)  # the first 25 start at the same instant
            services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
            return "captured"
        except FacePayError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=25) as pool:
        outcomes = list(pool.map(confirm, attempts))
    assert outcomes.count("captured") == 10, outcomes
    assert outcomes.count("insufficient_balance") == 40, outcomes
    assert PaymentAttempt.objects.filter(customer=customer, status="captured").count() == 10
    assert (
        PaymentAttempt.objects.filter(
            customer=customer, status="declined", decline_code="insufficient_balance"
        ).count()
        == 40
    )
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 0
    assert ledger.verify_books().problems == []
