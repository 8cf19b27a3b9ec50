"""Issue 12, must-show 3: the old attack is closed.

The attack as it was reported: a signed terminal call posts two ordinary photos of an enrolled
customer (from a photo collection, not a camera); recognition passed on the passive score and the
payment was confirmed and captured with nobody there. Now the old request shape is refused with
`burst_required`, and the same two stills posted as a "burst" of the attempt's challenge are
refused with `burst_too_few_frames`; the attempt is declined and no money moves.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from facepay.face.engine import get_engine
from payments import services
from payments.models import Account, JournalEntry, PaymentAttempt
from tests.payments.factories import enrolled_customer
from tests.payments.test_api import CREATE, Device

pytestmark = pytest.mark.django_db


def _two_stills_of_one_person(faces_dir: Path) -> tuple[list[bytes], object]:
    """Two dev photos of one person whose first photo passes every still-image gate."""
    for person in sorted(p for p in (faces_dir / "dev").iterdir() if p.is_dir()):
        photos = sorted(person.glob("*.jpg"))[:2]
        if len(photos) < 2:
            continue
        try:
            probe = services.probe_frames(frames=[photos[0].read_bytes()], depth=None)
        except Exception:  # noqa: S112 - a photo the gates refuse: try the next person
            continue
        return [photo.read_bytes() for photo in photos], probe.embedding
    raise AssertionError("no dev person with two usable photos")


def test_two_stills_of_an_enrolled_customer_move_no_money(
    faces_dir: Path, face_pack: None, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    stills, embedding = _two_stills_of_one_person(faces_dir)
    customer = enrolled_customer(embedding, model_version=get_engine().model_version)
    wallet = Account.objects.get(customer=customer, kind="customer_wallet")
    balance_before = wallet.balance_minor
    device = Device()
    encoded = [base64.b64encode(still).decode() for still in stills]

    with django_capture_on_commit_callbacks(execute=True):
        old_shape = device.call(
            "POST",
            CREATE,
            {"amount_minor": 3800, "currency": "CNY", "idempotency_key": "a1", "frames": encoded},
        )
    if old_shape.status_code < 400:  # the old code: try to finish the payment as the attacker did
        attempt_id = old_shape.json()["id"]
        device.call("POST", f"{CREATE}{attempt_id}/confirm/")
    assert old_shape.status_code == 400, old_shape.content
    assert old_shape.json()["error"]["code"] == "burst_required"

    created = device.call(
        "POST", CREATE, {"amount_minor": 3800, "currency": "CNY", "idempotency_key": "a2"}
    )
    assert created.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        as_burst = device.call(
            "POST",
            f"{CREATE}{created.json()['id']}/burst/",
            {"frames": encoded, "timestamps_ms": [1.0e12, 1.0e12 + 150.0]},
        )
    assert as_burst.status_code == 400
    assert as_burst.json()["error"]["code"] == "burst_too_few_frames"
    attempt = PaymentAttempt.objects.get(public_id=created.json()["id"])
    assert (attempt.status, attempt.decline_code, attempt.liveness_reason) == (
        "declined",
        "burst_too_few_frames",
        "burst_too_few_frames",
    )
    assert attempt.customer_id is None
    confirm = device.call("POST", f"{CREATE}{attempt.public_id}/confirm/")
    assert confirm.status_code == 409

    wallet.refresh_from_db()
    assert wallet.balance_minor == balance_before
    assert JournalEntry.objects.filter(kind="capture").count() == 0
    assert PaymentAttempt.objects.filter(status="captured").count() == 0
