"""Every customer write: sign-up, phone check, consent, enrolment, controls, rights, retention."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

import numpy as np
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import consent_texts, errors, gallery, sealing, selectors, sms
from customers.models import (
    BiometricDeletion,
    ConsentDocument,
    ConsentRecord,
    Customer,
    FaceTemplate,
    FaceUse,
    PaymentCode,
    PhoneVerification,
)
from facepay import crypto
from facepay.face import errors as face_errors
from facepay.face import intake
from facepay.face.config import get_config
from facepay.face.engine import get_engine
from facepay.models import User
from facepay.services import audit_event_record
from payments import selectors as payment_selectors

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
CN_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
PIN = re.compile(r"^[0-9]{6}$")
OTP_DIGITS = 6
OTP_TTL = timedelta(minutes=10)
OTP_RESEND_AFTER = timedelta(seconds=30)
OTP_MAX_ATTEMPTS = 5
PIN_MAX_ATTEMPTS = 5
PIN_LOCK = timedelta(minutes=15)
PAYMENT_CODE_TTL = timedelta(seconds=60)
PAYMENT_CODE_MAX_FAILURES = 10  # per terminal (or platform-wide without one) per minute
PAYMENT_CODE_MAX_FAILURES_PER_MERCHANT = 30  # across all of a merchant's terminals, per minute
PAYMENT_CODE_GUESSES_KEY = "customers:paycode-guesses"  # wrong codes seen platform-wide, ever
MAX_ENROL_FRAMES = 3
OBVIOUS_PINS = {"000000", "111111", "123456", "654321", "123123", "888888", "666666"}


# --- helpers ------------------------------------------------------------------------------------
def _digest(value: str) -> str:
    """Keyed hash of a short secret (codes): useless without the server's SECRET_KEY."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def _random_digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def phone_normalise(raw: str) -> str:
    """E.164 from "+8613812345678", "13812345678" or with spaces/dashes; raises PhoneInvalid."""
    value = re.sub(r"[\s\-()]", "", raw or "")
    if value.startswith("00"):
        value = "+" + value[2:]
    if CN_MOBILE.match(value):
        value = "+86" + value
    if not E164.match(value):
        raise errors.PhoneInvalid(_("Enter the phone number with its country code, e.g. +86 138…"))
    return value


def _lock_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().select_related("user").get(pk=customer.pk)


def require_open(customer: Customer) -> None:
    if customer.is_closed:
        raise errors.AccountClosed(_("This account is closed."))


# --- sign-up and phone ------------------------------------------------------------------------
@transaction.atomic
def customer_sign_up(
    *,
    phone: str,
    display_name: str,
    date_of_birth: date,
    password: str,
    guardian_name: str = "",
    has_guardian_consent: bool = False,
    ip_address: str | None = None,
) -> Customer:
    """Create the user (username = E.164 phone) and its customer, then text a code.

    Raises PhoneInvalid, PhoneTaken, DateOfBirthInvalid, GuardianConsentRequired (under 14
    without a guardian's consent) or PasswordRejected. Nothing is stored on a refusal.
    """
    phone = phone_normalise(phone)
    display_name = display_name.strip()
    today = timezone.localdate()
    if date_of_birth > today or date_of_birth.year < today.year - 120:
        raise errors.DateOfBirthInvalid(_("The date of birth is not plausible."))
    is_minor = selectors.customer_is_minor(date_of_birth=date_of_birth, today=today)
    if is_minor and not (has_guardian_consent and guardian_name.strip()):
        raise errors.GuardianConsentRequired(
            _("Under 14, a parent or guardian must consent and give their name.")
        )
    candidate = User(username=phone, phone=phone, display_name=display_name, role="customer")
    try:  # before the phone check, so a weak password is refused whether the phone is taken
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise errors.PasswordRejected(" ".join(exc.messages), reasons=exc.messages) from exc
    if User.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists():
        raise errors.PhoneTaken(_("This phone number already has an account."))
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as exc:  # a concurrent sign-up with the same phone
        raise errors.PhoneTaken(_("This phone number already has an account.")) from exc
    customer = Customer.objects.create(
        user=candidate,
        date_of_birth=date_of_birth,
        currency=settings.FACEPAY_CURRENCY,
        guardian_name=guardian_name.strip() if is_minor else "",
        guardian_consent_at=timezone.now() if is_minor else None,
    )
    audit_event_record(
        actor=candidate,
        action="customer.signed_up",
        target=customer,
        data={"is_minor": is_minor},
        ip_address=ip_address,
    )
    _phone_code_create(user=candidate, phone=phone)
    return customer


def sign_up_on_taken_phone_notify(*, phone: str) -> None:
    """Tell the owner of a phone that already has an account that someone tried to sign up with
    it (the sign-up itself answers as if the phone were new)."""
    message = _(
        "Someone tried to open a FacePay Street account with this number, which already has an "
        "account. If it was you, sign in instead; if not, you can ignore this text."
    )
    transaction.on_commit(partial(sms.get_sender().send, phone=phone, message=message))


def _phone_code_create(*, user: User, phone: str) -> PhoneVerification:
    code = _random_digits(OTP_DIGITS)
    verification = PhoneVerification.objects.create(
        user=user,
        phone=phone,
        code_hash=_digest(f"otp:{phone}:{code}"),
        expires_at=timezone.now() + OTP_TTL,
    )
    message = _("FacePay Street code: %(code)s (valid 10 minutes). Never share it.") % {
        "code": code
    }
    transaction.on_commit(partial(sms.get_sender().send, phone=phone, message=message))
    return verification


@transaction.atomic
def phone_verification_send(*, user: User) -> PhoneVerification:
    """Text a fresh code to the user's phone; raises OtpResendTooSoon within 30 s of the last."""
    latest = PhoneVerification.objects.filter(user=user, verified_at__isnull=True).first()
    if latest is not None and latest.created_at > timezone.now() - OTP_RESEND_AFTER:
        raise errors.OtpResendTooSoon(_("Wait a few seconds before asking for another code."))
    return _phone_code_create(user=user, phone=user.phone)


def phone_verification_confirm(*, user: User, code: str) -> Customer:
    """Check the latest code; marks the phone verified. Raises OtpInvalid, OtpExpired or
    OtpTooManyAttempts (a wrong try is counted, nothing else changes)."""
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, verified_at__isnull=True)
            .first()
        )
        if verification is None:
            raise errors.OtpInvalid(_("There is no code waiting: ask for a new one."))
        if verification.failed_attempts >= OTP_MAX_ATTEMPTS:
            raise errors.OtpTooManyAttempts(_("Too many wrong codes: ask for a new one."))
        if verification.expires_at <= timezone.now():
            raise errors.OtpExpired(_("The code has expired: ask for a new one."))
        expected = verification.code_hash
        given = _digest(f"otp:{verification.phone}:{(code or '').strip()}")
        is_right = hmac.compare_digest(expected, given) and verification.phone == user.phone
        if is_right:
            now = timezone.now()
            verification.verified_at = now
            verification.save(update_fields=["verified_at"])
            customer = Customer.objects.select_for_update().get(user=user)
            customer.phone_verified_at = now
            customer.save(update_fields=["phone_verified_at"])
            audit_event_record(actor=user, action="customer.phone_verified", target=customer)
            return customer
        verification.failed_attempts += 1
        verification.save(update_fields=["failed_attempts"])
        attempts_left = OTP_MAX_ATTEMPTS - verification.failed_attempts
    raise errors.OtpInvalid(_("The code is not right."), attempts_left=attempts_left)


@transaction.atomic
def customer_profile_update(*, customer: Customer, display_name: str) -> Customer:
    """Change the name shown (masked) on shop screens."""
    customer = _lock_customer(customer)
    require_open(customer)
    customer.user.display_name = display_name.strip()[:100]
    customer.user.save(update_fields=["display_name"])
    return customer


# --- consent -----------------------------------------------------------------------------------
def consent_documents_ensure() -> None:
    """Publish version 1 of any purpose that has no text at all (idempotent; normally a no-op,
    since the data migration published them)."""
    published = set(ConsentDocument.objects.values_list("purpose", flat=True).distinct())
    for purpose, title, text in consent_texts.DEFAULT_DOCUMENTS:
        if purpose not in published:
            ConsentDocument.objects.get_or_create(
                purpose=purpose,
                version=1,
                defaults={
                    "title": title,
                    "text": text,
                    "sha256": hashlib.sha256(text.encode()).hexdigest(),
                },
            )


@transaction.atomic
def consent_document_publish(*, purpose: str, title: str, text: str) -> ConsentDocument:
    """Publish the next version of a purpose's consent text (earlier versions stay, unchanged)."""
    latest = (
        ConsentDocument.objects.select_for_update().filter(purpose=purpose).order_by("-version")
    ).first()
    return ConsentDocument.objects.create(
        purpose=purpose,
        version=(latest.version + 1) if latest else 1,
        title=title,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def _consent_append(
    *,
    customer: Customer,
    document: ConsentDocument,
    action: str,
    ip_address: str | None,
    user_agent: str,
) -> ConsentRecord:
    last = ConsentRecord.objects.filter(customer=customer).order_by("-at", "-id").first()
    previous = last.record_hash if last else ""
    now = timezone.now()
    if last is not None and now <= last.at:
        now = last.at + timedelta(microseconds=1)  # the chain's order is its time order
    record = ConsentRecord(
        customer=customer,
        document=document,
        purpose=document.purpose,
        action=action,
        document_sha256=document.sha256,
        at=now,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:400],
        previous_hash=previous,
    )
    record.record_hash = selectors.consent_record_hash(
        selectors.consent_record_payload(record, previous_hash=previous)
    )
    record.save()
    return record


@transaction.atomic
def consent_give(
    *,
    customer: Customer,
    purpose: str,
    document_sha256: str | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> ConsentRecord:
    """Record consent to the current text of `purpose` (a no-op if already given to it).

    `document_sha256` is the text the customer saw; raises ConsentDocumentOutdated when it is no
    longer the current one, AccountClosed, or PhoneNotVerified.
    """
    customer = _lock_customer(customer)
    require_open(customer)
    if not customer.is_phone_verified:
        raise errors.PhoneNotVerified(_("Verify your phone number first."))
    consent_documents_ensure()
    document = selectors.consent_document_current(purpose=purpose)
    if document_sha256 is not None and document_sha256 != document.sha256:
        raise errors.ConsentDocumentOutdated(
            _("The consent text has changed: read the new version."), current_sha256=document.sha256
        )
    current = selectors.consent_state(customer=customer).get(purpose)
    if current is not None and current.document_id == document.pk:
        return current
    record = _consent_append(
        customer=customer,
        document=document,
        action=ConsentRecord.Action.GIVEN,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    audit_event_record(
        actor=customer.user,
        action="consent.given",
        target=customer,
        data={"purpose": purpose, "version": document.version},
        ip_address=ip_address,
    )
    return record


@transaction.atomic
def consent_withdraw(
    *,
    customer: Customer,
    purpose: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> ConsentRecord | None:
    """Withdraw one purpose; any face template is deleted at once. None if it was not given."""
    customer = _lock_customer(customer)
    current = selectors.consent_state(customer=customer).get(purpose)
    if current is None:
        return None
    record = _consent_append(
        customer=customer,
        document=current.document,
        action=ConsentRecord.Action.WITHDRAWN,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    audit_event_record(
        actor=customer.user,
        action="consent.withdrawn",
        target=customer,
        data={"purpose": purpose},
        ip_address=ip_address,
    )
    if FaceTemplate.objects.filter(customer=customer).exists():
        _biometrics_delete_locked(
            customer=customer, reason=BiometricDeletion.Reason.CONSENT_WITHDRAWN
        )
    return record


# --- enrolment ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProbedFrame:
    embedding: np.ndarray
    liveness_score: float | None


def face_frame_probe(*, image: bytes, require_liveness: bool = True) -> ProbedFrame:
    """Intake + every engine gate for one frame; raises the engine's stable FaceError codes."""
    config = get_config()
    decoded = intake.decode_image(
        image, max_bytes=config.max_image_bytes, max_pixels=config.max_image_pixels
    )
    face = get_engine().probe(decoded, require_liveness=require_liveness)
    assert face.embedding is not None  # noqa: S101 - probe always embeds
    return ProbedFrame(embedding=face.embedding, liveness_score=face.liveness_score)


def lookalike_threshold() -> float:
    """Cosine above which two enrolled people could be confused (FACEPAY_LOOKALIKE_THRESHOLD,
    else the pack's calibrated match threshold: closer than that, a match is not trustworthy)."""
    configured = settings.FACEPAY_LOOKALIKE_THRESHOLD
    if configured is not None:
        return float(configured)
    return get_engine().calibration.match_threshold


def face_enrol(
    *,
    customer: Customer,
    images: list[bytes],
    require_liveness: bool = True,
    ip_address: str | None = None,
) -> FaceTemplate:
    """Make (or replace) the customer's template from 1–3 photos; photos are never stored.

    Raises AccountClosed, PhoneNotVerified, ConsentMissing, EnrolmentFramesInvalid, any face
    engine code (image_unreadable, image_too_large, image_too_many_pixels, no_face,
    multiple_faces, face_too_small, face_blurred, face_turned, spoof_suspected, …) with the
    frame number in `extra`, or EnrolmentFramesInconsistent. Nothing is stored on a refusal.
    Look-alikes (closer than the collision threshold to someone else) flag both customers.
    """
    require_open(customer)
    if not customer.is_phone_verified:
        raise errors.PhoneNotVerified(_("Verify your phone number first."))
    if not selectors.consent_is_complete(customer=customer):
        raise errors.ConsentMissing(
            _("Give both biometric consents before enrolling."),
            required=list(selectors.REQUIRED_PURPOSES),
        )
    if not 1 <= len(images) <= MAX_ENROL_FRAMES:
        raise errors.EnrolmentFramesInvalid(
            _("Send one to three photos."), count=len(images), maximum=MAX_ENROL_FRAMES
        )
    frames = []
    for number, image in enumerate(images, start=1):
        try:
            frames.append(face_frame_probe(image=image, require_liveness=require_liveness))
        except face_errors.FaceError as exc:
            exc.extra = {**exc.extra, "frame": number}
            raise
    engine = get_engine()
    vectors = np.stack([frame.embedding for frame in frames]).astype(np.float32)
    mean = vectors.mean(axis=0)
    mean /= float(np.linalg.norm(mean)) or 1.0
    agreement = vectors @ mean
    pairwise = vectors @ vectors.T
    if len(frames) > 1 and float(pairwise.min()) < engine.calibration.match_threshold:
        raise errors.EnrolmentFramesInconsistent(
            _("The photos do not show the same person."),
            min_similarity=round(float(pairwise.min()), 4),
        )
    threshold = lookalike_threshold()
    lookalikes = [
        hit
        for hit in selectors.face_search(embedding=mean, k=3)
        if hit.customer_id != customer.pk and hit.similarity >= threshold
    ]
    template = face_template_store(
        customer=customer,
        embedding=mean,
        quality=float(agreement.mean()),
        frame_count=len(frames),
        model_version=engine.model_version,
        pack_name=engine.manifest.name,
        lookalike_ids=[hit.customer_id for hit in lookalikes],
        ip_address=ip_address,
    )
    return template


@transaction.atomic
def face_template_store(
    *,
    customer: Customer,
    embedding: np.ndarray,
    quality: float,
    frame_count: int,
    model_version: str,
    pack_name: str,
    lookalike_ids: Sequence[int] = (),
    ip_address: str | None = None,
) -> FaceTemplate:
    """The storage step of an enrolment (embedding already made): seal, replace, flag look-alikes,
    bump the gallery. Raises AccountClosed or ConsentMissing. Tests of other apps use it to enrol
    a synthetic vector without a camera."""
    customer = _lock_customer(customer)
    require_open(customer)
    if not selectors.consent_is_complete(customer=customer):  # withdrawn meanwhile
        raise errors.ConsentMissing(_("Give both biometric consents before enrolling."))
    data_key = sealing.customer_data_key(customer)
    if data_key is None or customer.data_key_id != crypto.current_key_id():
        data_key = crypto.new_data_key()
        wrapped = crypto.wrap_key(data_key)
        customer.data_key_id, customer.data_key_blob = wrapped.key_id, wrapped.blob
    fields = ["data_key_id", "data_key_blob"]
    if lookalike_ids:
        customer.is_lookalike_flagged = True
        fields.append("is_lookalike_flagged")
        Customer.objects.filter(pk__in=lookalike_ids).update(is_lookalike_flagged=True)
    customer.save(update_fields=fields)
    sealed = sealing.seal_embedding(data_key=data_key, customer_id=customer.pk, embedding=embedding)
    template, created = FaceTemplate.objects.update_or_create(
        customer=customer,
        defaults={
            "sealed_embedding": sealed,
            "key_id": customer.data_key_id,
            "dimension": int(embedding.shape[0]),
            "pack_name": pack_name,
            "model_version": model_version,
            "quality": quality,
            "frame_count": frame_count,
            "created_at": timezone.now(),
            "last_used_at": None,
        },
    )
    gallery.bump(customer.pk)
    audit_event_record(
        actor=customer.user,
        action="face.enrolled" if created else "face.re_enrolled",
        target=customer,
        data={
            "model_version": model_version,
            "frames": frame_count,
            "quality": round(quality, 4),
            "lookalikes": list(lookalike_ids),
        },
        ip_address=ip_address,
    )
    transaction.on_commit(partial(gallery.apply_now, customer.pk))
    return template


_template_store = face_template_store  # the name payments' test factories first used


def _biometrics_delete_locked(*, customer: Customer, reason: str) -> BiometricDeletion:
    template = FaceTemplate.objects.filter(customer=customer).first()
    destroyed_key_id = customer.data_key_id
    FaceTemplate.objects.filter(customer=customer).delete()
    customer.data_key_id, customer.data_key_blob = "", None  # crypto-shred
    customer.save(update_fields=["data_key_id", "data_key_blob"])
    now = timezone.now()
    receipt_data = f"{customer.pk}|{reason}|{destroyed_key_id}|{now.isoformat()}"
    receipt = BiometricDeletion.objects.create(
        customer=customer,
        reason=reason,
        destroyed_key_id=destroyed_key_id,
        template_created_at=template.created_at if template else None,
        deleted_at=now,
        receipt_hash=hashlib.sha256(receipt_data.encode()).hexdigest(),
    )
    gallery.bump(customer.pk)
    audit_event_record(
        actor=customer.user, action="face.deleted", target=customer, data={"reason": reason}
    )
    transaction.on_commit(partial(gallery.apply_now, customer.pk))
    return receipt


@transaction.atomic
def face_biometrics_delete(
    *, customer: Customer, reason: str = BiometricDeletion.Reason.CUSTOMER_REQUEST
) -> BiometricDeletion:
    """Destroy the data key, delete the template, drop it from every gallery; returns a receipt.

    Raises NotEnrolled when there is nothing to delete. Every process's next search misses it.
    """
    customer = _lock_customer(customer)
    if not customer.data_key_blob and not FaceTemplate.objects.filter(customer=customer).exists():
        raise errors.NotEnrolled(_("There is no biometric data to delete."))
    return _biometrics_delete_locked(customer=customer, reason=reason)


def face_use_record(
    *,
    customer_id: int,
    terminal_id: int,
    store_id: int,
    attempt_id: int,
    outcome: str,
    similarity: float | None,
    step_up_used: bool,
) -> FaceUse:
    """Log one identification touching this customer; idempotent per (attempt, outcome).

    Joins the caller's transaction. A match or confirmation also marks the template used (the
    retention clock restarts).
    """
    use, _created = FaceUse.objects.get_or_create(
        customer_id=customer_id,
        attempt_id=attempt_id,
        outcome=outcome,
        defaults={
            "terminal_id": terminal_id,
            "store_id": store_id,
            "similarity": similarity,
            "is_step_up_used": step_up_used,
        },
    )
    if outcome in {"match", "confirmed", "captured"}:
        FaceTemplate.objects.filter(customer_id=customer_id).update(last_used_at=timezone.now())
    return use


# --- controls ----------------------------------------------------------------------------------
@transaction.atomic
def customer_limits_update(
    *,
    customer: Customer,
    per_payment_limit_minor: int,
    daily_limit_minor: int,
    step_up_above_minor: int,
    confirm_free_up_to_minor: int = 0,
) -> Customer:
    """Set the limits (fen). Raises LimitInvalid: negative, per payment above the day, or above
    the platform maximum; step-up above the per-payment limit; confirm-free above the step-up
    amount (skipping the tap never skips the phone digits)."""
    values = (
        per_payment_limit_minor,
        daily_limit_minor,
        step_up_above_minor,
        confirm_free_up_to_minor,
    )
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in values):
        raise errors.LimitInvalid(_("Limits are whole, non-negative amounts."))
    if per_payment_limit_minor > settings.FACEPAY_MAX_PAYMENT_MINOR:
        raise errors.LimitInvalid(
            _("The per-payment limit is above the platform maximum."),
            maximum_minor=settings.FACEPAY_MAX_PAYMENT_MINOR,
        )
    if per_payment_limit_minor > daily_limit_minor:
        raise errors.LimitInvalid(_("The per-payment limit cannot exceed the daily limit."))
    if step_up_above_minor > per_payment_limit_minor:
        raise errors.LimitInvalid(_("The step-up amount cannot exceed the per-payment limit."))
    if confirm_free_up_to_minor > step_up_above_minor:
        raise errors.LimitInvalid(
            _("The amount paid without a tap cannot exceed the step-up amount.")
        )
    customer = _lock_customer(customer)
    require_open(customer)
    customer.per_payment_limit_minor = per_payment_limit_minor
    customer.daily_limit_minor = daily_limit_minor
    customer.step_up_above_minor = step_up_above_minor
    customer.confirm_free_up_to_minor = confirm_free_up_to_minor
    customer.save(
        update_fields=[
            "per_payment_limit_minor",
            "daily_limit_minor",
            "step_up_above_minor",
            "confirm_free_up_to_minor",
        ]
    )
    audit_event_record(
        actor=customer.user,
        action="customer.limits_changed",
        target=customer,
        data={
            "per_payment": per_payment_limit_minor,
            "daily": daily_limit_minor,
            "step_up_above": step_up_above_minor,
            "confirm_free_up_to": confirm_free_up_to_minor,
        },
    )
    return customer


@transaction.atomic
def customer_face_pay_set(*, customer: Customer, is_enabled: bool) -> Customer:
    """Switch face payment on or off (off = instant self-freeze for every terminal)."""
    customer = _lock_customer(customer)
    require_open(customer)
    customer.is_face_pay_enabled = is_enabled
    customer.save(update_fields=["is_face_pay_enabled"])
    audit_event_record(
        actor=customer.user,
        action="customer.face_pay_enabled" if is_enabled else "customer.face_pay_frozen",
        target=customer,
    )
    return customer


@transaction.atomic
def payment_pin_set(*, customer: Customer, pin: str) -> Customer:
    """Set the 6-digit payment PIN (hashed); raises PinFormatInvalid for other or obvious PINs."""
    if not PIN.match(pin or "") or pin in OBVIOUS_PINS:
        raise errors.PinFormatInvalid(_("Choose six digits that are not an obvious sequence."))
    customer = _lock_customer(customer)
    require_open(customer)
    customer.payment_pin_hash = make_password(pin)
    customer.pin_failed_attempts = 0
    customer.pin_locked_until = None
    customer.save(update_fields=["payment_pin_hash", "pin_failed_attempts", "pin_locked_until"])
    audit_event_record(actor=customer.user, action="customer.pin_set", target=customer)
    return customer


def _pin_unusable_try(phone: str) -> int:
    """Count a try on a phone with no usable PIN (unknown, closed or PIN not set) the way a
    wrong PIN is counted, so every refusal reads alike; returns the failures so far."""
    key = f"customers:pin-failures:{_digest(f'pin:{phone}')}"
    cache.add(key, 0, timeout=int(PIN_LOCK.total_seconds()))
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=int(PIN_LOCK.total_seconds()))
        return 1


def payment_pin_verify(*, phone: str, pin: str) -> int:
    """The customer id for a phone + PIN (the terminal's non-face path).

    Raises PinInvalid (with `attempts_left`) or PinLocked (after 5 wrong tries, for 15 minutes),
    and answers an unknown phone or a customer without a PIN exactly like a wrong PIN, so the
    answers tell nobody whether a number has an account or a PIN.
    """
    locked_message = _("Too many wrong PINs: try again in 15 minutes.")
    invalid_message = _("Phone number or PIN is not right.")
    try:
        phone = phone_normalise(phone)
    except errors.PhoneInvalid as exc:
        raise errors.PinInvalid(invalid_message) from exc
    with transaction.atomic():
        customer = (
            Customer.objects.select_for_update()
            .filter(user__phone=phone, closed_at__isnull=True)
            .first()
        )
        if customer is None or not customer.payment_pin_hash:
            check_password(pin or "", make_password(None))  # about as slow as a real check
            failures = _pin_unusable_try(phone)
            if failures >= PIN_MAX_ATTEMPTS:
                raise errors.PinLocked(locked_message)
            raise errors.PinInvalid(invalid_message, attempts_left=PIN_MAX_ATTEMPTS - failures)
        now = timezone.now()
        if customer.pin_locked_until is not None and customer.pin_locked_until > now:
            raise errors.PinLocked(locked_message)
        if check_password(pin or "", customer.payment_pin_hash):
            if customer.pin_failed_attempts or customer.pin_locked_until:
                customer.pin_failed_attempts, customer.pin_locked_until = 0, None
                customer.save(update_fields=["pin_failed_attempts", "pin_locked_until"])
            return customer.pk
        customer.pin_failed_attempts += 1
        fields = ["pin_failed_attempts"]
        is_locked = customer.pin_failed_attempts >= PIN_MAX_ATTEMPTS
        if is_locked:
            customer.pin_locked_until = now + PIN_LOCK
            customer.pin_failed_attempts = 0
            fields.append("pin_locked_until")
        customer.save(update_fields=fields)
        audit_event_record(
            actor=None, action="customer.pin_failed", target=customer, data={"locked": is_locked}
        )
        attempts_left = PIN_MAX_ATTEMPTS - customer.pin_failed_attempts
    if is_locked:
        raise errors.PinLocked(locked_message)
    raise errors.PinInvalid(invalid_message, attempts_left=attempts_left)


@dataclass(frozen=True)
class IssuedPaymentCode:
    code: str  # 6 digits, shown once
    expires_at: datetime


@transaction.atomic
def payment_code_issue(*, customer: Customer) -> IssuedPaymentCode:
    """A fresh 6-digit one-time code valid 60 s; the customer's earlier codes stop working."""
    customer = _lock_customer(customer)
    require_open(customer)
    now = timezone.now()
    PaymentCode.objects.filter(customer=customer, used_at__isnull=True).update(used_at=now)
    active = PaymentCode.objects.filter(used_at__isnull=True, expires_at__gt=now)
    for _attempt in range(20):
        code = _random_digits(6)
        code_hash = _digest(f"paycode:{code}")
        if not active.filter(code_hash=code_hash).exists():  # unique among the live codes
            break
    expires_at = now + PAYMENT_CODE_TTL
    PaymentCode.objects.create(customer=customer, code_hash=code_hash, expires_at=expires_at)
    # How many wrong codes the platform had seen when this one was issued: the code is void once
    # FACEPAY_PAYMENT_CODE_GUESSES_PER_CODE more have been tried, however many terminals try.
    cache.set(
        f"customers:paycode-issued-at-guess:{code_hash}",
        cache.get(PAYMENT_CODE_GUESSES_KEY) or 0,
        timeout=int(PAYMENT_CODE_TTL.total_seconds()) + 60,
    )
    audit_event_record(actor=customer.user, action="customer.payment_code_issued", target=customer)
    return IssuedPaymentCode(code=code, expires_at=expires_at)


def _cache_bump(key: str, timeout: int | None) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def payment_code_redeem(
    *, code: str, terminal_id: int | None = None, merchant_id: int | None = None
) -> int:
    """Use a one-time payment code once; returns its customer id.

    Raises PaymentCodeInvalid (unknown, used, expired, or void because the platform has seen
    FACEPAY_PAYMENT_CODE_GUESSES_PER_CODE wrong codes since it was issued) or
    PaymentCodeRateLimited after 10 bad codes within a minute from the same terminal (or overall
    without a terminal id) or 30 from the same merchant's terminals together.
    """
    budgets = [(f"customers:paycode-failures:{terminal_id or 'any'}", PAYMENT_CODE_MAX_FAILURES)]
    if merchant_id is not None:
        budgets.append(
            (
                f"customers:paycode-failures:merchant:{merchant_id}",
                PAYMENT_CODE_MAX_FAILURES_PER_MERCHANT,
            )
        )
    if any((cache.get(key) or 0) >= limit for key, limit in budgets):
        raise errors.PaymentCodeRateLimited(_("Too many wrong codes: wait a minute."))
    now = timezone.now()
    with transaction.atomic():
        payment_code = (
            PaymentCode.objects.select_for_update()
            .filter(
                code_hash=_digest(f"paycode:{(code or '').strip()}"),
                used_at__isnull=True,
                expires_at__gt=now,
                customer__closed_at__isnull=True,
            )
            .first()
        )
        if payment_code is not None:
            payment_code.used_at = now
            payment_code.save(update_fields=["used_at"])
            issued_at_guess = cache.get(
                f"customers:paycode-issued-at-guess:{payment_code.code_hash}"
            )
            guesses_since = (cache.get(PAYMENT_CODE_GUESSES_KEY) or 0) - (issued_at_guess or 0)
            if issued_at_guess is None or (
                guesses_since <= settings.FACEPAY_PAYMENT_CODE_GUESSES_PER_CODE
            ):
                return payment_code.customer_id
            audit_event_record(
                actor=None,
                action="customer.payment_code_void",
                target=payment_code.customer,
                data={"guesses_since_issue": guesses_since},
            )
    if payment_code is not None:  # void: used up (committed above) and refused like any other
        raise errors.PaymentCodeInvalid(_("The payment code is not valid."))
    for key, _limit in budgets:
        _cache_bump(key, 60)
    _cache_bump(PAYMENT_CODE_GUESSES_KEY, None)
    raise errors.PaymentCodeInvalid(_("The payment code is not valid."))


# --- rights ------------------------------------------------------------------------------------
@transaction.atomic
def customer_account_close(*, customer: Customer, ip_address: str | None = None) -> Customer:
    """Close the account: biometrics shredded, personal data erased, the user can no longer sign
    in. The customer row stays as a pseudonymous stub so the ledger's history still balances."""
    customer = _lock_customer(customer)
    require_open(customer)
    balance_minor = payment_selectors.wallet_balance_minor(
        customer_id=customer.pk, currency=customer.currency
    )
    if balance_minor != 0:
        raise errors.WalletNotEmpty(
            _("Spend or withdraw the wallet balance before closing the account."),
            balance_minor=balance_minor,
            currency=customer.currency,
        )
    if customer.data_key_blob or FaceTemplate.objects.filter(customer=customer).exists():
        _biometrics_delete_locked(customer=customer, reason=BiometricDeletion.Reason.ACCOUNT_CLOSED)
    ConsentRecord.objects.filter(customer=customer).delete()
    FaceUse.objects.filter(customer=customer).delete()
    PaymentCode.objects.filter(customer=customer).delete()
    PhoneVerification.objects.filter(user=customer.user).delete()
    user = customer.user
    pseudonym = f"closed-{customer.pk}-{secrets.token_hex(4)}"
    user.username = pseudonym
    user.display_name = ""
    user.first_name = user.last_name = user.email = user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    customer.date_of_birth = None
    customer.guardian_name = ""
    customer.guardian_consent_at = None
    customer.phone_verified_at = None
    customer.payment_pin_hash = ""
    customer.is_face_pay_enabled = False
    customer.closed_at = timezone.now()
    customer.save()
    audit_event_record(
        actor=None, action="customer.account_closed", target=customer, ip_address=ip_address
    )
    return customer


def face_templates_purge_expired(*, now: datetime | None = None) -> int:
    """Delete templates unused for FACEPAY_TEMPLATE_RETENTION_DAYS and tell each customer.

    Idempotent (a second run finds nothing); returns how many were deleted.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FACEPAY_TEMPLATE_RETENTION_DAYS)
    expired = [
        template.customer_id
        for template in FaceTemplate.objects.all().only("customer_id", "created_at", "last_used_at")
        if selectors.template_last_activity(template) < cutoff
    ]
    deleted = 0
    for customer_id in expired:
        with transaction.atomic():
            customer = (
                Customer.objects.select_for_update().select_related("user").get(pk=customer_id)
            )
            template = FaceTemplate.objects.filter(customer=customer).first()
            if template is None or selectors.template_last_activity(template) >= cutoff:
                continue  # used or deleted meanwhile
            _biometrics_delete_locked(customer=customer, reason=BiometricDeletion.Reason.RETENTION)
            transaction.on_commit(
                partial(_retention_notify, customer.user.phone, customer.user.email)
            )
            deleted += 1
    return deleted


def _retention_notify(phone: str, email: str) -> None:
    message = _(
        "FacePay Street: your face template was not used for %(days)s days and has been deleted. "
        "Enrol again in the portal to pay by face."
    ) % {"days": settings.FACEPAY_TEMPLATE_RETENTION_DAYS}
    if phone:
        sms.get_sender().send(phone=phone, message=message)
    if email:
        send_mail(_("Your face template was deleted"), message, None, [email], fail_silently=True)
