"""Sign-up, the phone check (a texted code) and the profile."""

from __future__ import annotations

import hmac
from datetime import date
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import errors, selectors, sms
from customers.models import (
    Customer,
    PhoneVerification,
)
from customers.services.base import (
    OTP_DIGITS,
    OTP_MAX_ATTEMPTS,
    OTP_RESEND_AFTER,
    OTP_TTL,
    code_digest,
    lock_customer,
    phone_normalise,
    random_digits,
    require_open,
)
from facepay.models import User
from facepay.services import audit_event_record


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
    if User.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists():
        raise errors.PhoneTaken(_("This phone number already has an account."))
    candidate = User(username=phone, phone=phone, display_name=display_name, role="customer")
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise errors.PasswordRejected(" ".join(exc.messages), reasons=exc.messages) from exc
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


def _phone_code_create(*, user: User, phone: str) -> PhoneVerification:
    code = random_digits(OTP_DIGITS)
    verification = PhoneVerification.objects.create(
        user=user,
        phone=phone,
        code_hash=code_digest(f"otp:{phone}:{code}"),
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
        given = code_digest(f"otp:{verification.phone}:{(code or '').strip()}")
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
    customer = lock_customer(customer)
    require_open(customer)
    customer.user.display_name = display_name.strip()[:100]
    customer.user.save(update_fields=["display_name"])
    return customer
