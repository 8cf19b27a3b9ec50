"""Issue 12: enrolment takes the same burst and liveness checks as a face payment, so nobody can
enrol somebody else's photo.

Real clips of liveness-dev (hand-labelled in bench/liveness_labels.csv), the kit's print attack
rendered from a frame of the same person, the real engine and the real database. A live burst
under its enrolment challenge enrols; plain photos (the old shape) are refused with
`burst_required`; a print of another person's photo is refused with its liveness code; every
malformed burst and every misuse of a challenge has its stable code; nothing is stored on a
refusal.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import cv2
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from customers import selectors, services
from customers.models import (
    ConsentDocument,
    ConsentRecord,
    Customer,
    EnrolmentChallenge,
    FaceTemplate,
)
from facepay.face import burst_probe
from facepay.face.engine import get_engine
from facepay.models import AuditEvent
from tests.customers.enrol_bursts import CHALLENGE, ENROL, body, draw, times_after
from tests.customers.factories import CustomerFactory
from tests.customers.photos import PhotoSet
from tests.payments.bursts import ENROL_CLIP, FRAME_MS, FRAMES, PAY_CLIP, clip_frames
from tests.payments.factories import template_dimension
from tests.stack.live_camera import attack_frames

pytestmark = [pytest.mark.django_db, pytest.mark.faces]

PURPOSES = [ConsentDocument.Purpose.FACE_PAYMENT, ConsentDocument.Purpose.TEMPLATE_STORAGE]


def consented(customer: Customer) -> Customer:
    for purpose in PURPOSES:
        services.consent_give(customer=customer, purpose=purpose)
    return customer


def api_for(customer: Customer) -> APIClient:
    client = APIClient()
    client.force_login(customer.user)
    return client


def stored_nothing(customer: Customer) -> None:
    assert not FaceTemplate.objects.filter(customer=customer).exists()
    assert not AuditEvent.objects.filter(action__startswith="face.").exists()
    customer.refresh_from_db()
    assert customer.data_key_blob is None


def jpegs(frames_bgr: list[np.ndarray]) -> list[bytes]:
    return [
        cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
        for frame in frames_bgr
    ]


def test_plain_photos_are_refused_burst_required_over_the_api_and_the_page(
    photos: PhotoSet,
) -> None:
    """Fails on the code before the fix: the API and the page enrolled from these two photos."""
    customer = consented(CustomerFactory())
    uploads = [
        SimpleUploadedFile(f"{index}.jpg", photo, content_type="image/jpeg")
        for index, photo in enumerate(photos.person_a[:2])
    ]
    response = api_for(customer).post(reverse(ENROL), {"images": uploads})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "burst_required"
    stored_nothing(customer)

    page = Client()
    page.force_login(customer.user)
    uploads = [SimpleUploadedFile("a.jpg", photos.person_a[0], content_type="image/jpeg")]
    response = page.post(reverse("customers:enrol"), {"images": uploads}, follow=True)
    assert "Photos are not accepted for enrolment" in response.content.decode()
    stored_nothing(customer)


def test_json_without_a_challenge_is_refused_burst_required(photos: PhotoSet) -> None:
    customer = consented(CustomerFactory())
    frames = [base64.b64encode(photo).decode() for photo in photos.person_a[:2]]
    response = api_for(customer).post(reverse(ENROL), {"frames": frames}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "burst_required")
    stored_nothing(customer)


def test_live_burst_under_its_challenge_enrols_and_the_other_clip_matches(
    photos: PhotoSet, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    customer = consented(CustomerFactory())
    client = api_for(customer)
    drawn = draw(client)
    frames = list(clip_frames(*ENROL_CLIP))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(ENROL), body(drawn, frames, times_after(drawn)), format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["is_enrolled"] is True
    template = FaceTemplate.objects.get(customer=customer)
    assert 1 <= template.frame_count <= 5  # the sampled frontal frames, not all the frames
    assert template.quality > 0.9
    assert template.dimension == template_dimension()
    row = EnrolmentChallenge.objects.get(public_id=drawn["id"])
    assert (row.outcome, row.used_at is not None) == ("enrolled", True)
    assert AuditEvent.objects.filter(action="face.enrolled").count() == 1

    # The same person's other clip (the counter's burst) is found among the enrolled.
    pay = list(clip_frames(*PAY_CLIP))
    probe = burst_probe.examine_burst(
        frames=pay, timestamps_ms=[index * FRAME_MS for index in range(len(pay))], challenge="blink"
    )
    assert probe.embedding is not None
    hits = selectors.face_search(embedding=probe.embedding, k=1)
    assert hits[0].customer_id == customer.pk
    assert hits[0].similarity >= get_engine().calibration.match_threshold


def test_print_of_another_persons_photo_is_refused_with_its_liveness_code(
    photos: PhotoSet,
) -> None:
    attacker = consented(CustomerFactory())
    client = api_for(attacker)
    drawn = draw(client)
    frames = jpegs(attack_frames("print_flat")[:FRAMES])
    response = client.post(reverse(ENROL), body(drawn, frames, times_after(drawn)), format="json")
    assert response.status_code == 422, response.content
    code = response.json()["error"]["code"]
    assert code.startswith("liveness_"), code
    assert code == "liveness_challenge_not_performed"  # measured: the print does not blink
    stored_nothing(attacker)
    assert EnrolmentChallenge.objects.get(public_id=drawn["id"]).outcome == code


def test_a_still_photo_held_to_the_camera_is_refused(photos: PhotoSet) -> None:
    customer = consented(CustomerFactory())
    client = api_for(customer)
    drawn = draw(client)
    still = clip_frames(*ENROL_CLIP)[0]
    response = client.post(
        reverse(ENROL), body(drawn, [still] * FRAMES, times_after(drawn)), format="json"
    )
    assert response.json()["error"]["code"] == "liveness_challenge_not_performed"
    stored_nothing(customer)


def _shifted(times: list[float], index: int, delta: float) -> list[float]:
    changed = list(times)
    changed[index] += delta
    return changed


@pytest.mark.parametrize(
    ("case", "code", "status"),
    [
        ("too_few_frames", "burst_too_few_frames", 400),
        ("too_many_frames", "burst_too_many_frames", 400),
        ("timestamps_not_increasing", "burst_not_continuous", 400),
        ("timestamp_missing", "burst_not_continuous", 400),
        ("gap_too_long", "burst_not_continuous", 400),
        ("before_the_challenge", "burst_predates_challenge", 409),
        ("longer_than_since_the_challenge", "burst_predates_challenge", 409),
        ("not_an_image", "image_unreadable", 400),
        ("not_base64", "enrolment_frames_invalid", 400),
    ],
)
def test_malformed_burst_is_refused_with_its_code_and_stores_nothing(
    photos: PhotoSet, case: str, code: str, status: int
) -> None:
    customer = consented(CustomerFactory())
    client = api_for(customer)
    drawn = draw(client)
    frames = list(clip_frames(*ENROL_CLIP))
    times = times_after(drawn)
    if case == "too_few_frames":
        frames, times = frames[:3], times[:3]
    elif case == "too_many_frames":
        frames = (frames * 2)[:21]
        times = times_after(drawn, 21)
    elif case == "timestamps_not_increasing":
        times = _shifted(times, 5, -200.0)
    elif case == "timestamp_missing":
        times = times[:-1]
    elif case == "gap_too_long":
        times = [*times[:8], *(stamp + 900.0 for stamp in times[8:])]
    elif case == "before_the_challenge":
        times = [stamp - 10_000.0 for stamp in times]
    elif case == "longer_than_since_the_challenge":
        # Stamped after the challenge on the client's clock, but the server issued it just now.
        EnrolmentChallenge.objects.filter(public_id=drawn["id"]).update(issued_at=timezone.now())
        times = [drawn["issued_ms"] + 3300.0 + index * 250.0 for index in range(len(frames))]
    elif case == "not_an_image":
        frames = [b"not an image at all", *frames[1:]]
    payload = body(drawn, frames, times)
    if case == "not_base64":
        payload["frames"][0] = "%%% not base64 %%%"
    response = client.post(reverse(ENROL), payload, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), (
        response.content
    )
    stored_nothing(customer)


def test_a_challenge_is_single_use_bound_to_its_customer_and_expires(photos: PhotoSet) -> None:
    customer = consented(CustomerFactory())
    other = consented(CustomerFactory())
    client = api_for(customer)
    frames = list(clip_frames(*ENROL_CLIP))

    drawn = draw(client)
    stolen = api_for(other).post(
        reverse(ENROL), body(drawn, frames, times_after(drawn)), format="json"
    )
    assert (stolen.status_code, stolen.json()["error"]["code"]) == (
        404,
        "enrolment_challenge_invalid",
    )
    too_few = client.post(
        reverse(ENROL), body(drawn, frames[:3], times_after(drawn)[:3]), format="json"
    )
    assert too_few.json()["error"]["code"] == "burst_too_few_frames"
    again = client.post(reverse(ENROL), body(drawn, frames, times_after(drawn)), format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "enrolment_challenge_used")

    drawn = draw(client)
    EnrolmentChallenge.objects.filter(public_id=drawn["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    late = client.post(reverse(ENROL), body(drawn, frames, times_after(drawn)), format="json")
    assert (late.status_code, late.json()["error"]["code"]) == (410, "enrolment_challenge_expired")

    unknown = client.post(
        reverse(ENROL),
        body({"id": "00000000-0000-4000-8000-000000000000"}, frames, times_after(drawn)),
        format="json",
    )
    assert unknown.json()["error"]["code"] == "enrolment_challenge_invalid"
    stored_nothing(customer)
    stored_nothing(other)


def test_challenge_is_drawn_at_random_from_the_configured_set_and_needs_consent(
    settings,
) -> None:  # type: ignore[no-untyped-def]
    customer = CustomerFactory()
    response = api_for(customer).post(reverse(CHALLENGE))
    assert (response.status_code, response.json()["error"]["code"]) == (409, "consent_missing")
    assert not EnrolmentChallenge.objects.exists()
    consented(customer)
    settings.FACEPAY_LIVENESS_CHALLENGES = ["nod"]
    assert services.enrolment_challenge_issue(customer=customer).challenge == "nod"
    settings.FACEPAY_LIVENESS_CHALLENGES = ["blink", "turn_left", "turn_right", "nod"]
    drawn = {services.enrolment_challenge_issue(customer=customer).challenge for _ in range(200)}
    assert drawn == {"blink", "turn_left", "turn_right", "nod"}


def test_consent_texts_v3_are_current_v1_stays_and_a_v1_consent_still_counts() -> None:
    services.consent_documents_ensure()
    storage = selectors.consent_document_current(purpose="template_storage")
    payment = selectors.consent_document_current(purpose="face_payment")
    assert (storage.version, payment.version) == (3, 3)
    dimension = template_dimension()
    assert dimension == 640  # the configured pack (sface-fusion-v1: 128 + 512)
    assert f"{dimension} numbers" in storage.text
    assert f"{dimension} 个数字" in storage.text
    for document in (storage, payment):
        assert "10 to 20 frames" in document.text
        assert "10 至 20 帧" in document.text
        assert "random" in document.text
        # The recording's length as the counter and the enrolment page record it (1.47 s).
        assert "about one and a half seconds" in document.text
        assert "约一秒半" in document.text
    assert ConsentDocument.objects.filter(version=1).count() == 2
    assert "512 numbers" in ConsentDocument.objects.get(purpose="template_storage", version=1).text

    # A customer who consented to version 1 (before the migration) still counts as consented.
    customer = CustomerFactory()
    for purpose in PURPOSES:
        document = ConsentDocument.objects.get(purpose=purpose, version=1)
        services.consent_give(customer=customer, purpose=purpose)
        ConsentRecord.objects.filter(customer=customer, purpose=purpose).update(
            document=document, document_sha256=document.sha256
        )
    assert set(
        ConsentRecord.objects.filter(customer=customer).values_list("document__version", flat=True)
    ) == {1}
    assert selectors.consent_is_complete(customer=customer)
    assert services.enrolment_challenge_issue(customer=customer).challenge
