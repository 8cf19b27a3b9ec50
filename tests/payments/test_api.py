from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from io import BytesIO

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.test.client import encode_multipart

from facepay.asgi import application
from merchants.signing import sign_request
from payments import services
from payments.models import JournalEntry, PaymentAttempt
from tests.merchants.factories import StoreStaffFactory, terminal_with_secret
from tests.payments.factories import enrolled_customer
from tests.payments.test_attempts import EVIDENCE, JPEG, jpeg_bytes

CREATE = "/api/payments/terminal/attempts/"


class Device:
    """A counter terminal that signs its calls the way the terminal page does."""

    def __init__(self, **terminal: object) -> None:
        credentials = terminal_with_secret(**terminal)
        self.terminal, self.key_id, self.secret = (
            credentials.terminal,
            credentials.key_id,
            credentials.secret,
        )
        self.client = Client()

    def call(self, method: str, path: str, payload: object = None):  # type: ignore[no-untyped-def]
        body = b"" if payload is None else json.dumps(payload).encode()
        headers = sign_request(
            secret=self.secret, method=method, path=path, body=body, terminal_id=self.key_id
        )
        return getattr(self.client, method.lower())(
            path,
            data=body,
            content_type="application/json",
            headers=headers,
        )


def create_payload(amount_minor: int = 3800, key: str = "k1") -> dict[str, object]:
    return {
        "amount_minor": amount_minor,
        "currency": "CNY",
        "idempotency_key": key,
    }


def grey_burst(attempt: dict[str, object]) -> dict[str, object]:
    """12 faceless 640x480 frames, 120 ms apart, recorded from the challenge's issue on; the
    challenge is moved 2 s into the past, the time a counter takes to show it and record."""
    issued_at = datetime.fromisoformat(str(attempt["created_at"])) - timedelta(seconds=2)
    PaymentAttempt.objects.filter(public_id=attempt["id"]).update(challenge_issued_at=issued_at)
    issued = issued_at.timestamp() * 1000.0
    frame = base64.b64encode(jpeg_bytes((640, 480))).decode()
    return {"frames": [frame] * 12, "timestamps_ms": [issued + 10 + 120 * n for n in range(12)]}


@pytest.mark.django_db
def test_create_answers_201_with_the_challenge_and_replay_returns_the_stored_attempt() -> None:
    device = Device()
    first = device.call("POST", CREATE, create_payload())
    assert first.status_code == 201
    assert first.json()["status"] == "created"
    assert first.json()["liveness_challenge"] in ("blink", "turn_left", "turn_right", "nod")
    again = device.call("POST", CREATE, create_payload())
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["liveness_challenge"] == first.json()["liveness_challenge"]
    reused = device.call("POST", CREATE, create_payload(amount_minor=1))
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert PaymentAttempt.objects.count() == 1


@pytest.mark.django_db
def test_create_refuses_multipart_frames_burst_required() -> None:
    device = Device()
    boundary = "BoUnDaRy"
    frame = BytesIO(JPEG)
    frame.name = "frame.jpg"
    body = encode_multipart(
        boundary,
        {"amount_minor": "500", "currency": "CNY", "idempotency_key": "m1", "frames": [frame]},
    )
    headers = sign_request(
        secret=device.secret, method="POST", path=CREATE, body=body, terminal_id=device.key_id
    )
    response = device.client.post(
        CREATE, data=body, content_type=f"multipart/form-data; boundary={boundary}", headers=headers
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "burst_required"
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"amount_minor": 0}, "amount_invalid"),
        ({"amount_minor": 10**9}, "amount_above_maximum"),
        ({"frames": []}, "burst_required"),
        ({"frames": [base64.b64encode(JPEG).decode()]}, "burst_required"),
        ({"depth": base64.b64encode(JPEG).decode()}, "burst_required"),
        ({"currency": "XXX"}, "currency_unsupported"),
    ],
)
def test_create_refusals_have_stable_codes(payload: dict[str, object], code: str) -> None:
    response = Device().call("POST", CREATE, create_payload() | payload)
    assert response.json()["error"]["code"] == code
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
def test_unsigned_and_replayed_calls_are_refused() -> None:
    device = Device()
    assert Client().post(CREATE, create_payload(), content_type="application/json").status_code in (
        401,
        403,
    )
    body = json.dumps(create_payload()).encode()
    headers = sign_request(
        secret=device.secret, method="POST", path=CREATE, body=body, terminal_id=device.key_id
    )
    first = device.client.post(CREATE, body, content_type="application/json", headers=headers)
    replay = device.client.post(CREATE, body, content_type="application/json", headers=headers)
    assert first.status_code == 201
    assert replay.json()["error"]["code"] == "nonce_replayed"


@pytest.mark.django_db
def test_step_up_confirm_and_refund_through_the_api() -> None:
    device = Device()
    customer = enrolled_customer(amount_minor=50_000)
    customer.step_up_above_minor = 1000
    customer.save(update_fields=["step_up_above_minor"])
    attempt_id = device.call("POST", CREATE, create_payload(3800)).json()["id"]
    services.payment_attempt_decide(
        attempt_id=PaymentAttempt.objects.get(public_id=attempt_id).pk,
        decline_code=None,
        evidence=EVIDENCE,
        customer_id=customer.pk,
    )
    base = f"{CREATE}{attempt_id}/"
    assert device.call("GET", base).json()["status"] == "step_up_required"
    wrong = device.call("POST", f"{base}step-up/", {"phone_last4": "0000"})
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "step_up_wrong"
    assert wrong.json()["error"]["extra"]["attempts_left"] == 2
    right = device.call("POST", f"{base}step-up/", {"phone_last4": customer.user.phone[-4:]})
    assert right.json()["status"] == "awaiting_confirmation"
    assert right.json()["customer_name"]
    paid = device.call("POST", f"{base}confirm/")
    assert paid.status_code == 200
    assert paid.json()["status"] == "captured"
    refund = device.call("POST", f"{base}refunds/", {"amount_minor": 800, "idempotency_key": "r1"})
    assert refund.status_code == 201
    too_much = device.call(
        "POST", f"{base}refunds/", {"amount_minor": 3001, "idempotency_key": "r2"}
    )
    assert too_much.json()["error"]["code"] == "refund_exceeds_captured"
    assert JournalEntry.objects.filter(kind="refund").count() == 1


@pytest.mark.django_db
def test_other_terminal_cannot_read_an_attempt() -> None:
    device = Device()
    attempt_id = device.call("POST", CREATE, create_payload()).json()["id"]
    other = Device()
    assert other.call("GET", f"{CREATE}{attempt_id}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_terminal_socket_receives_status_and_refuses_strangers() -> None:
    device = Device()
    staff = StoreStaffFactory(store=device.terminal.store)
    client, stranger = Client(), Client()
    client.force_login(staff.user)
    stranger.force_login(StoreStaffFactory().user)
    path = f"/ws/payments/terminal/{device.terminal.pk}/"

    def headers(session_client: Client) -> list[tuple[bytes, bytes]]:
        cookie = f"sessionid={session_client.cookies['sessionid'].value}"
        return [(b"cookie", cookie.encode()), (b"origin", b"http://127.0.0.1")]

    async def scenario() -> tuple[bool, dict, list]:  # type: ignore[type-arg]
        refused = WebsocketCommunicator(application, path, headers=headers(stranger))
        stranger_connected, _ = await refused.connect()
        socket = WebsocketCommunicator(application, path, headers=headers(client))
        connected, _ = await socket.connect()
        assert connected
        response = await sync_to_async(device.call)("POST", CREATE, create_payload())
        burst = await sync_to_async(grey_burst)(response.json())
        await sync_to_async(device.call)("POST", f"{CREATE}{response.json()['id']}/burst/", burst)
        events = [await socket.receive_json_from(timeout=5) for _ in range(3)]
        await socket.disconnect()
        return stranger_connected, response.json(), events

    stranger_connected, created, events = async_to_sync(scenario)()
    assert not stranger_connected
    assert {event["type"] for event in events} == {"payment.status"}
    assert {event["attempt"]["id"] for event in events} == {created["id"]}
    # Grey frames have no face (or the engine is not calibrated here): declined either way.
    assert [event["attempt"]["status"] for event in events] == [
        "created",
        "recognising",
        "declined",
    ]


@pytest.mark.django_db
def test_customer_disputes_own_payment_through_the_api() -> None:
    device = Device()
    customer = enrolled_customer(amount_minor=10_000)
    attempt_id = device.call("POST", CREATE, create_payload(1200)).json()["id"]
    services.payment_attempt_decide(
        attempt_id=PaymentAttempt.objects.get(public_id=attempt_id).pk,
        decline_code=None,
        evidence=EVIDENCE,
        customer_id=customer.pk,
    )
    device.call("POST", f"{CREATE}{attempt_id}/confirm/")
    client = Client()
    client.force_login(customer.user)
    response = client.post(
        "/api/payments/disputes/",
        {"payment_id": attempt_id, "reason": "that wasn't me"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open"
    stranger = Client()
    stranger.force_login(enrolled_customer().user)
    refused = stranger.post(
        "/api/payments/disputes/",
        {"payment_id": attempt_id, "reason": "me neither"},
        content_type="application/json",
    )
    assert refused.json()["error"]["code"] == "payment_not_found"
