"""Must-show #1 on the real stack: enrol through the live API (issue 12: a live clip's burst under
the server's enrolment challenge), identify in the Celery worker (the same person's other clip,
posted as a counter's burst), delete biometric data, and the very next payment in the worker
matches no one."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from customers import services
from customers.models import BiometricDeletion, ConsentDocument, Customer, FaceTemplate
from payments.models import PaymentAttempt
from tests.customers.factories import CustomerFactory
from tests.payments.bursts import ENROL_CLIP, PAY_CLIP, clip_frames
from tests.stack.conftest import Stack
from tests.stack.live_camera import burst_payload, enrolment_payload
from tests.stack.test_payments_flow import Device, make_device

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = "/api/payments/terminal/attempts/"
UNDECIDED = {"created", "recognising"}


def customer_http(stack: Stack, customer: Customer) -> httpx.Client:
    """A browser-like client of the live server: session cookie plus the CSRF token."""
    client = httpx.Client(base_url=stack.base_url, timeout=30)
    client.cookies.set("sessionid", stack.session_cookie(customer.user))
    client.get("/customers/enrol/").raise_for_status()  # sets the csrftoken cookie
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    client.headers["Referer"] = stack.base_url + "/customers/enrol/"
    return client


# Other people's live clips that blink in their window (bench/liveness_labels.csv).
STRANGER_CLIPS = [
    ("live/live_grid-spk-bbaf2n_bbaf2n_s00.mp4", 14),
    ("live/live_grid-spk-brbk7n_brbk7n_s00.mp4", 1),
    ("live/live_hdtf-AlexandriaOcasioCortez_3_s00.mp4", 10),
]


def recorded(device: Device, clip: tuple[str, int] = PAY_CLIP) -> tuple[str, dict[str, object]]:
    """Create a face attempt on the live terminal API and record the clip's burst under its
    challenge (the stack fixes it to blink): the attempt's id and the burst, not yet posted."""
    created = device.call(
        "POST", ATTEMPTS, {"amount_minor": 1_000, "currency": "CNY", "idempotency_key": uuid4()}
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], burst_payload(created.json(), clip)


def decided(device: Device, public_id: str, burst: dict[str, object]) -> PaymentAttempt:
    """Post the burst and wait for the worker's decision."""
    sent = device.call("POST", f"{ATTEMPTS}{public_id}/burst/", burst)
    assert sent.status_code == 202, sent.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        attempt = PaymentAttempt.objects.get(public_id=public_id)
        if attempt.status not in UNDECIDED:
            return attempt
        time.sleep(0.05)
    raise AssertionError(f"the worker did not decide attempt {public_id} within 60 s")


def pay(device: Device, clip: tuple[str, int] = PAY_CLIP) -> PaymentAttempt:
    return decided(device, *recorded(device, clip))


def uuid4() -> str:
    return uuid.uuid4().hex


def test_delete_biometrics_is_immediate_in_the_database_and_the_worker_gallery(
    stack: Stack,
) -> None:
    customer = CustomerFactory()
    for purpose in ConsentDocument.Purpose.values:
        services.consent_give(customer=customer, purpose=purpose)
    device = make_device(stack)
    client = customer_http(stack, customer)

    refused = client.post(
        "/api/customers/face/enrol",
        files=[("images", ("a.jpg", clip_frames(*ENROL_CLIP)[0], "image/jpeg"))],
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "burst_required"
    drawn = client.post("/api/customers/face/enrol/challenge")
    assert drawn.status_code == 201, drawn.text
    assert drawn.json()["challenge"] == "blink"  # the stack's only challenge
    response = client.post("/api/customers/face/enrol", json=enrolment_payload(drawn.json()))
    assert response.status_code == 200, response.text
    assert response.json()["is_enrolled"] is True

    matched = pay(device)
    assert matched.customer_id == customer.pk, (matched.status, matched.decline_code)
    strangers = [pay(device, clip) for clip in STRANGER_CLIPS]
    assert [attempt.customer_id for attempt in strangers] == [None] * len(STRANGER_CLIPS)

    # The next payment is recorded before the deletion and posted right after it.
    next_attempt, next_burst = recorded(device)
    deleted = client.delete("/api/customers/face")
    assert deleted.status_code == 200, deleted.text
    receipt = BiometricDeletion.objects.get(customer=customer)
    assert not FaceTemplate.objects.filter(customer=customer).exists()
    customer.refresh_from_db()
    assert customer.data_key_blob is None
    after = decided(device, next_attempt, next_burst)
    assert after.recognising_at is not None
    gap_s = (after.recognising_at - receipt.deleted_at).total_seconds()
    assert after.customer_id is None
    assert after.status == "declined"
    assert after.decline_code == "no_match"
    print(  # noqa: T201 - the Must-show numbers, in the test log
        f"\n[customers stack] A matched at {matched.similarity:.3f}; "
        f"{len(STRANGER_CLIPS)} strangers: 0 matched; "
        f"the worker's search {gap_s:.3f} s after the deletion: {after.decline_code}"
    )
    assert gap_s < 1.0  # the first search within the same second already misses A
