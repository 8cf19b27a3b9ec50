"""Must-show 4 on real photos: impostors are declined no_match; step-up asks for digits.

Embeddings are computed once per session (the engine is the slow part); the decisions run
through the same services the recognition job uses.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from customers.models import Customer
from facepay.face import errors as face_errors
from facepay.face.engine import get_engine
from payments import errors, services
from payments.models import PaymentAttempt
from payments.services.recognition import Probe
from tests.merchants.factories import TerminalFactory
from tests.payments.factories import enrolled_customer

ENROLLED = 25
IMPOSTORS = 100


def _probe(path: Path) -> Probe | None:
    try:
        return services.probe_frames(frames=[path.read_bytes()], depth=None)
    except face_errors.FaceError:
        return None  # a photo the gates refuse is not an identification test


@pytest.fixture(scope="session")
def photo_probes(faces_dir: Path, face_pack: None) -> dict[str, list[tuple[Path, Probe]]]:
    """Enrolment and probe embeddings of dev-set people, computed once."""
    people = sorted(p for p in (faces_dir / "dev").iterdir() if p.is_dir())
    enrolled: list[tuple[Path, Probe]] = []
    same_person: list[tuple[Path, Probe]] = []
    impostors: list[tuple[Path, Probe]] = []
    for person in people:
        photos = sorted(person.glob("*.jpg"))
        if len(enrolled) < ENROLLED and len(photos) >= 2:
            first, second = _probe(photos[0]), _probe(photos[1])
            if first and second:
                enrolled.append((photos[0], first))
                same_person.append((photos[1], second))
        elif len(enrolled) >= ENROLLED and len(impostors) < IMPOSTORS and photos:
            probe = _probe(photos[0])
            if probe:
                impostors.append((photos[0], probe))
        if len(impostors) >= IMPOSTORS:
            break
    assert len(enrolled) == ENROLLED
    assert len(impostors) == IMPOSTORS
    return {"enrolled": enrolled, "same_person": same_person, "impostors": impostors}


def _attempt(terminal, amount_minor: int = 3800) -> PaymentAttempt:  # type: ignore[no-untyped-def]
    return services.payment_attempt_create(
        terminal=terminal,
        amount_minor=amount_minor,
        currency="CNY",
        idempotency_key=uuid.uuid4().hex,
    )


@pytest.fixture
def gallery(photo_probes: dict[str, list[tuple[Path, Probe]]]) -> list[Customer]:
    version = get_engine().model_version
    return [
        enrolled_customer(probe.embedding, model_version=version)
        for _, probe in photo_probes["enrolled"]
    ]


@pytest.mark.django_db
def test_hundred_people_not_enrolled_are_never_accepted_without_digits(
    photo_probes: dict[str, list[tuple[Path, Probe]]], gallery: list[Customer]
) -> None:
    terminal = TerminalFactory()
    outcomes = {}
    for path, probe in photo_probes["impostors"]:
        attempt = services.payment_attempt_identify(attempt_id=_attempt(terminal).pk, probe=probe)
        assert attempt is not None
        outcomes[path.parent.name] = (attempt.status, attempt.decline_code, attempt.similarity)
    assert len(outcomes) == IMPOSTORS
    # Below the band: declined. In the middle band the face alone is not sure, so the digits
    # are asked (a stranger cannot key them); nobody reaches the confirm screen by face alone.
    asked = {name for name, o in outcomes.items() if o[0] == "step_up_required"}
    wrong = {
        name: o
        for name, o in outcomes.items()
        if o[:2] != ("declined", "no_match") and name not in asked
    }
    assert wrong == {}
    assert len(asked) <= IMPOSTORS // 10
    top = max(similarity for _, _, similarity in outcomes.values())
    print(  # noqa: T201
        f"impostors: {IMPOSTORS - len(asked)} declined no_match, {len(asked)} asked for digits; "
        f"highest similarity {top:.3f}"
    )
    assert PaymentAttempt.objects.filter(status="captured").count() == 0


@pytest.mark.django_db
def test_enrolled_person_above_step_up_is_asked_for_digits_and_three_wrong_decline(
    photo_probes: dict[str, list[tuple[Path, Probe]]], gallery: list[Customer]
) -> None:
    terminal = TerminalFactory()
    matched = None
    for customer, (_, probe) in zip(gallery, photo_probes["same_person"], strict=True):
        Customer.objects.filter(pk=customer.pk).update(step_up_above_minor=5_000)
        attempt = services.payment_attempt_identify(
            attempt_id=_attempt(terminal, 8_800).pk, probe=probe
        )
        assert attempt is not None
        if attempt.customer_id == customer.pk:
            matched = (customer, attempt)
            break
        assert attempt.customer_id is None  # never somebody else
    assert matched is not None
    customer, attempt = matched
    assert attempt.status == PaymentAttempt.Status.STEP_UP_REQUIRED
    assert attempt.step_up_reason == "amount"
    assert attempt.similarity >= attempt.thresholds["accept_threshold"]
    wrong = "0000" if customer.user.phone[-4:] != "0000" else "1111"
    for _ in range(3):
        with pytest.raises(errors.StepUpWrong):
            services.payment_attempt_step_up(
                terminal=terminal, attempt_id=attempt.public_id, phone_last4=wrong
            )
    attempt.refresh_from_db()
    assert (attempt.status, attempt.decline_code) == ("declined", "step_up_failed")


# Issue 13's "woman": enrolled from one photo, a new customer was declined at the counter with
# other photos of herself (no_match, below the single threshold). With the three-band rule every
# other photo of hers either passes or is asked for the phone digits - never declined for a low
# score alone - and the digits then pick her among the top candidates.
WOMAN = "Jelena_Dokic"  # 4 of her 7 other photos fell below the old single threshold


@pytest.mark.django_db
def test_a_woman_enrolled_from_one_photo_passes_or_is_asked_for_digits(
    faces_dir: Path, photo_probes: dict[str, list[tuple[Path, Probe]]], gallery: list[Customer]
) -> None:
    photos = sorted((faces_dir / "dev" / WOMAN).glob("*.jpg"))
    enrolled = _probe(photos[0])
    assert enrolled is not None
    her = enrolled_customer(enrolled.embedding, model_version=get_engine().model_version)
    terminal = TerminalFactory()
    outcomes = {}
    for path in photos[1:]:
        probe = _probe(path)
        if probe is None:
            outcomes[path.name] = ("gate", None, None, [])  # a quality or liveness refusal
            continue
        attempt = services.payment_attempt_identify(attempt_id=_attempt(terminal).pk, probe=probe)
        assert attempt is not None
        candidates = list(getattr(attempt, "step_up_candidates", []) or [])
        outcomes[path.name] = (
            attempt.status,
            attempt.decline_code,
            attempt.customer_id,
            candidates,
        )
        if attempt.status == PaymentAttempt.Status.STEP_UP_REQUIRED:
            attempt = services.payment_attempt_step_up(
                terminal=terminal, attempt_id=attempt.public_id, phone_last4=her.user.phone[-4:]
            )
        outcomes[path.name] += (attempt.status, attempt.customer_id)
    print({name: outcome[:2] for name, outcome in outcomes.items()})  # noqa: T201
    low_score = {name: o for name, o in outcomes.items() if o[1] == "no_match"}
    assert low_score == {}
    scored = {name: o for name, o in outcomes.items() if o[0] != "gate"}
    assert len(scored) >= len(photos) - 3
    assert all(o[-2:] == ("awaiting_confirmation", her.pk) for o in scored.values())
