"""Enrolment, 1:N search and biometric deletion on real photos (FACEPAY_FACES_DIR), real engine."""

from __future__ import annotations

import base64
import csv
import io
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from PIL import Image, ImageFilter

from customers import errors, gallery, sealing, selectors, services
from customers.models import (
    BiometricDeletion,
    ConsentDocument,
    Customer,
    FaceTemplate,
    GalleryChange,
)
from facepay import crypto
from facepay.face.decision import Decision, decide
from facepay.face.engine import get_engine
from facepay.face.gallery import Match
from facepay.models import AuditEvent
from tests.customers.factories import CustomerFactory
from tests.customers.photos import PhotoSet, probe_code
from tests.payments.factories import template_dimension

pytestmark = pytest.mark.faces

PURPOSES = [ConsentDocument.Purpose.FACE_PAYMENT, ConsentDocument.Purpose.TEMPLATE_STORAGE]


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def consented_customer(**kwargs: object) -> Customer:
    customer = CustomerFactory(**kwargs)
    for purpose in PURPOSES:
        services.consent_give(customer=customer, purpose=purpose)
    return customer


def identify(photo: bytes) -> Decision:
    embedding = services.face_frame_probe(image=photo).embedding
    calibration = get_engine().calibration
    hits = selectors.face_search(embedding=embedding, k=2)
    return decide(
        [Match(key=hit.customer_id, similarity=hit.similarity) for hit in hits],
        threshold=calibration.match_threshold,
        margin=calibration.match_margin,
    )


def snapshot(customer: Customer) -> tuple[object, ...]:
    customer.refresh_from_db()
    return (
        FaceTemplate.objects.count(),
        GalleryChange.objects.count(),
        BiometricDeletion.objects.count(),
        AuditEvent.objects.filter(action__startswith="face.").count(),
        customer.data_key_id,
        bytes(customer.data_key_blob or b""),
        customer.is_lookalike_flagged,
    )


@pytest.mark.django_db
def test_face_enrol_identifies_a_and_nobody_else_then_forgets_a_at_once(
    photos, capsys, django_capture_on_commit_callbacks
):
    customer_a = consented_customer()
    template = services.face_enrol(customer=customer_a, images=photos.person_a[:3])
    assert template.frame_count == 3
    assert template.model_version == get_engine().model_version
    decision = identify(photos.person_a[3])
    assert decision.outcome == "match"
    assert decision.key == customer_a.pk
    false_accepts = [index for index, photo in enumerate(photos.strangers) if identify(photo).key]
    assert false_accepts == []
    with capsys.disabled():
        print(  # noqa: T201 - the Must-show numbers, in the test log
            f"\n[customers] A={photos.person_a_name}: unseen photo similarity "
            f"{decision.similarity:.3f} (threshold {decision.threshold:.3f}); "
            f"20 strangers: {len(false_accepts)} identified"
        )

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = services.face_biometrics_delete(customer=customer_a)
    customer_a.refresh_from_db()
    assert receipt.destroyed_key_id == template.key_id
    assert customer_a.data_key_blob is None
    assert not FaceTemplate.objects.filter(customer=customer_a).exists()
    assert customer_a.pk not in gallery._index  # the running index, not only the database
    after = identify(photos.person_a[3])
    assert after.key is None
    assert time.monotonic() - started < 1.0
    assert all(
        hit.customer_id != customer_a.pk
        for hit in selectors.face_search(
            embedding=services.face_frame_probe(image=photos.person_a[3]).embedding, k=5
        )
    )


@pytest.mark.django_db
def test_face_enrol_again_replaces_the_template(photos):
    customer = consented_customer()
    first = services.face_enrol(customer=customer, images=photos.person_a[:1])
    second = services.face_enrol(customer=customer, images=photos.person_a[1:3])
    assert FaceTemplate.objects.filter(customer=customer).count() == 1
    assert second.pk == first.pk
    assert second.frame_count == 2
    assert bytes(second.sealed_embedding) != bytes(first.sealed_embedding)
    assert len(gallery._index) == 1


@pytest.mark.django_db
def test_face_enrol_flags_both_customers_of_a_lookalike_pair(photos):
    first = consented_customer()
    second = consented_customer()
    services.face_enrol(customer=first, images=photos.person_a[:2])
    services.face_enrol(customer=second, images=photos.person_a[2:4])  # same face, other account
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_lookalike_flagged
    assert second.is_lookalike_flagged
    assert selectors.customer_payment_profile(customer_id=first.pk).is_lookalike_flagged


@pytest.mark.django_db
def test_face_template_column_holds_no_plaintext_vector(photos):
    customer = consented_customer()
    services.face_enrol(customer=customer, images=photos.person_a[:1])
    embedding = services.face_frame_probe(image=photos.person_a[0]).embedding
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sealed_embedding FROM customers_facetemplate WHERE customer_id = %s",
            [customer.pk],
        )
        raw = bytes(cursor.fetchone()[0])
    assert (
        len(raw) == 12 + template_dimension() * 4 + 16
    )  # nonce + ciphertext + tag: no room for anything else
    for offset in range(0, len(raw) - template_dimension() * 4 + 1):
        candidate = np.frombuffer(raw[offset : offset + template_dimension() * 4], dtype="<f4")
        with np.errstate(all="ignore"):
            similarity = float(np.nan_to_num(candidate) @ embedding) / (
                float(np.linalg.norm(np.nan_to_num(candidate))) or 1.0
            )
        assert not similarity > 0.5, f"plaintext-like vector at offset {offset}"
    assert embedding.astype("<f4").tobytes()[:64] not in raw


@pytest.mark.django_db
def test_face_template_cannot_be_read_with_another_environment_key(photos, settings):
    customer = consented_customer()
    template = services.face_enrol(customer=customer, images=photos.person_a[:1])
    customer.refresh_from_db()
    assert sealing.unseal_embedding(
        data_key=sealing.customer_data_key(customer), template=template
    ).shape == (template_dimension(),)
    other_key = base64.b64encode(b"another-key-encryption-key-32-b!").decode()
    settings.FACEPAY_DATA_KEYS = [f"test:{other_key}"]  # same id, different key
    crypto._key_ring.cache_clear()
    with pytest.raises(InvalidTag):
        sealing.customer_data_key(customer)
    settings.FACEPAY_DATA_KEYS = [f"rotated:{other_key}"]  # the old key is gone from the ring
    crypto._key_ring.cache_clear()
    with pytest.raises(ImproperlyConfigured):
        sealing.customer_data_key(customer)
    gallery.forget()
    assert (
        selectors.face_search(embedding=np.ones(template_dimension(), dtype=np.float32), k=2) == []
    )


# --- refusals: each asserts its code and that nothing changed ----------------------------------
def _bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (5000, 4000)).save(buffer, "PNG")  # 20 Mpx, a few kB on disk
    return buffer.getvalue()


def _first_with_code(candidates: list[bytes], code: str) -> bytes:
    for data in candidates:
        if probe_code(data) == code:
            return data
    raise AssertionError(f"no constructed image produced {code}")


def _photo(faces_dir: Path, name: str) -> Image.Image:
    return Image.open(faces_dir / "dev" / name).convert("RGB")


def _three_faces(faces_dir: Path, photos: PhotoSet) -> bytes:
    canvas = Image.new("RGB", (600, 600), (128, 128, 128))
    centres = [(170, 225), (430, 225), (300, 450)]  # equally far from the centre
    for data, (x, y) in zip([photos.person_a[0], *photos.strangers[:2]], centres, strict=True):
        face = Image.open(io.BytesIO(data)).convert("RGB").resize((200, 200))
        canvas.paste(face, (x - 100, y - 100))
    return jpeg(canvas)


def _too_small(photos: PhotoSet) -> bytes:
    face = Image.open(io.BytesIO(photos.person_a[0])).convert("RGB")
    candidates = []
    for side in range(60, 200, 10):
        canvas = Image.new("RGB", (640, 480), (128, 128, 128))
        canvas.paste(face.resize((side, side)), (320 - side // 2, 240 - side // 2))
        candidates.append(jpeg(canvas))
    return _first_with_code(candidates, "face_too_small")


def _blurred(photos: PhotoSet) -> bytes:
    face = Image.open(io.BytesIO(photos.person_a[0])).convert("RGB")
    radii = [1.5, 2, 2.5, 3, 3.5, 4, 5]
    return _first_with_code(
        [jpeg(face.filter(ImageFilter.GaussianBlur(radius))) for radius in radii], "face_blurred"
    )


def _no_face(photos: PhotoSet) -> bytes:
    face = Image.open(io.BytesIO(photos.person_a[0])).convert("RGB")
    return jpeg(face.crop((0, 0, face.width, face.height // 6)).resize((500, 84)))


def _spoof(faces_dir: Path) -> bytes:
    root = faces_dir / "spoof-dev"
    with open(root / "labels.csv") as labels:
        files = [row["file"] for row in csv.DictReader(labels) if row["label"] == "spoof"]
    uploads = [root / name for name in files if name.lower().endswith((".jpg", ".jpeg", ".png"))]
    return _first_with_code([path.read_bytes() for path in uploads], "spoof_suspected")


REFUSALS: dict[str, tuple[str, Callable[[Path, PhotoSet], list[bytes]]]] = {
    "not_an_image": ("image_unreadable", lambda d, p: [b"%PDF-1.4 definitely not a photo"]),
    "truncated_jpeg": ("image_unreadable", lambda d, p: [p.person_a[0][: len(p.person_a[0]) // 3]]),
    "over_size": ("image_too_large", lambda d, p: [p.person_a[0] + b"\0" * (6 * 1024 * 1024)]),
    "decompression_bomb": ("image_too_many_pixels", lambda d, p: [_bomb()]),
    "no_face": ("no_face", lambda d, p: [_no_face(p)]),
    "three_faces": ("multiple_faces", lambda d, p: [_three_faces(d, p)]),
    "face_too_small": ("face_too_small", lambda d, p: [_too_small(p)]),
    "blurred": ("face_blurred", lambda d, p: [_blurred(p)]),
    "spoof": ("spoof_suspected", lambda d, p: [_spoof(d)]),
    "second_frame_bad": ("no_face", lambda d, p: [p.person_a[0], _no_face(p)]),
    "four_frames": ("enrolment_frames_invalid", lambda d, p: p.person_a[:3] + p.strangers[:1]),
    "no_frames": ("enrolment_frames_invalid", lambda d, p: []),
    "two_people": ("enrolment_frames_inconsistent", lambda d, p: [p.person_a[0], p.strangers[0]]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_face_enrol_refusals_store_nothing(case, photos, faces_dir):
    code, make = REFUSALS[case]
    images = make(faces_dir, photos)
    customer = consented_customer()
    before = snapshot(customer)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the code is asserted below
        services.face_enrol(customer=customer, images=images)
    assert getattr(caught.value, "code", None) == code
    assert snapshot(customer) == before


@pytest.mark.django_db
def test_face_enrol_refuses_without_consent_and_with_withdrawn_consent(photos):
    customer = CustomerFactory()
    before = snapshot(customer)
    with pytest.raises(errors.ConsentMissing):
        services.face_enrol(customer=customer, images=photos.person_a[:1])
    assert snapshot(customer) == before
    services.consent_give(customer=customer, purpose=PURPOSES[0])  # only one of the two
    with pytest.raises(errors.ConsentMissing):
        services.face_enrol(customer=customer, images=photos.person_a[:1])
    assert snapshot(customer) == before


@pytest.mark.django_db
def test_face_enrol_refuses_an_unverified_phone(photos):
    customer = consented_customer()
    Customer.objects.filter(pk=customer.pk).update(phone_verified_at=None)
    customer.refresh_from_db()
    before = snapshot(customer)
    with pytest.raises(errors.PhoneNotVerified):
        services.face_enrol(customer=customer, images=photos.person_a[:1])
    assert snapshot(customer) == before


@pytest.mark.django_db
def test_consent_withdraw_deletes_the_template_and_the_key_at_once(photos):
    customer = consented_customer()
    services.face_enrol(customer=customer, images=photos.person_a[:2])
    assert identify(photos.person_a[3]).key == customer.pk
    services.consent_withdraw(customer=customer, purpose=ConsentDocument.Purpose.FACE_PAYMENT)
    customer.refresh_from_db()
    assert customer.data_key_blob is None
    assert BiometricDeletion.objects.get(customer=customer).reason == "consent_withdrawn"
    assert identify(photos.person_a[3]).key is None
    assert selectors.customer_payment_profile(customer_id=customer.pk).refusal_code == (
        "consent_missing"
    )


@pytest.mark.django_db
def test_gallery_sees_a_deletion_made_by_another_process(photos):
    """Another process = a row change this process did not make; the next search must miss it."""
    customer = consented_customer()
    services.face_enrol(customer=customer, images=photos.person_a[:2])
    assert identify(photos.person_a[3]).key == customer.pk
    FaceTemplate.objects.filter(customer=customer).delete()
    gallery.bump(customer.pk)  # what the other process's transaction committed
    assert customer.pk in gallery._index
    assert identify(photos.person_a[3]).key is None
    assert customer.pk not in gallery._index


@pytest.mark.django_db
def test_face_templates_purge_expired_deletes_unused_templates_and_notifies(
    photos, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    settings.FACEPAY_TEMPLATE_RETENTION_DAYS = 730
    stale = consented_customer()
    fresh = consented_customer()
    services.face_enrol(customer=stale, images=photos.person_a[:1])
    services.face_enrol(customer=fresh, images=photos.strangers[:1])
    old = FaceTemplate.objects.get(customer=stale).created_at.replace(year=2020)
    FaceTemplate.objects.filter(customer=stale).update(created_at=old, last_used_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.face_templates_purge_expired() == 1
    assert not FaceTemplate.objects.filter(customer=stale).exists()
    assert FaceTemplate.objects.filter(customer=fresh).exists()
    assert BiometricDeletion.objects.get(customer=stale).reason == "retention"
    outbox = (tmp_path / "sms-outbox.jsonl").read_text()
    assert stale.user.phone in outbox
    assert services.face_templates_purge_expired() == 0
