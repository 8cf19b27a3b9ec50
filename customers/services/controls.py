"""The customer's payment controls: limits, face pay on/off, the payment PIN and one-time
payment codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import errors
from customers.models import (
    Customer,
    PaymentCode,
)
from customers.services.base import (
    OBVIOUS_PINS,
    PAYMENT_CODE_MAX_FAILURES,
    PAYMENT_CODE_TTL,
    PIN,
    PIN_LOCK,
    PIN_MAX_ATTEMPTS,
    code_digest,
    lock_customer,
    phone_normalise,
    random_digits,
    require_open,
)
from facepay.services import audit_event_record


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
    customer = lock_customer(customer)
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
    customer = lock_customer(customer)
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
    customer = lock_customer(customer)
    require_open(customer)
    customer.payment_pin_hash = make_password(pin)
    customer.pin_failed_attempts = 0
    customer.pin_locked_until = None
    customer.save(update_fields=["payment_pin_hash", "pin_failed_attempts", "pin_locked_until"])
    audit_event_record(actor=customer.user, action="customer.pin_set", target=customer)
    return customer


def payment_pin_verify(*, phone: str, pin: str) -> int:
    """The customer id for a phone + PIN (the terminal's non-face path).

    Raises PinInvalid (unknown phone or wrong PIN; wrong tries are counted), PinLocked (after 5
    wrong tries, for 15 minutes) or PinNotSet.
    """
    try:
        phone = phone_normalise(phone)
    except errors.PhoneInvalid as exc:
        raise errors.PinInvalid(_("Phone number or PIN is not right.")) from exc
    with transaction.atomic():
        customer = (
            Customer.objects.select_for_update()
            .filter(user__phone=phone, closed_at__isnull=True)
            .first()
        )
        if customer is None:
            raise errors.PinInvalid(_("Phone number or PIN is not right."))
        now = timezone.now()
        if customer.pin_locked_until is not None and customer.pin_locked_until > now:
            raise errors.PinLocked(
                _("Too many wrong PINs: try again later."),
                locked_until=customer.pin_locked_until.isoformat(),
            )
        if not customer.payment_pin_hash:
            raise errors.PinNotSet(_("This customer has not set a payment PIN."))
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
        raise errors.PinLocked(_("Too many wrong PINs: try again in 15 minutes."))
    raise errors.PinInvalid(_("Phone number or PIN is not right."), attempts_left=attempts_left)


@dataclass(frozen=True)
class IssuedPaymentCode:
    code: str  # 6 digits, shown once
    expires_at: datetime


@transaction.atomic
def payment_code_issue(*, customer: Customer) -> IssuedPaymentCode:
    """A fresh 6-digit one-time code valid 60 s; the customer's earlier codes stop working."""
    customer = lock_customer(customer)
    require_open(customer)
    now = timezone.now()
    PaymentCode.objects.filter(customer=customer, used_at__isnull=True).update(used_at=now)
    active = PaymentCode.objects.filter(used_at__isnull=True, expires_at__gt=now)
    for _attempt in range(20):
        code = random_digits(6)
        code_hash = code_digest(f"paycode:{code}")
        if not active.filter(code_hash=code_hash).exists():  # unique among the live codes
            break
    expires_at = now + PAYMENT_CODE_TTL
    PaymentCode.objects.create(customer=customer, code_hash=code_hash, expires_at=expires_at)
    audit_event_record(actor=customer.user, action="customer.payment_code_issued", target=customer)
    return IssuedPaymentCode(code=code, expires_at=expires_at)


def payment_code_redeem(*, code: str, terminal_id: int | None = None) -> int:
    """Use a one-time payment code once; returns its customer id.

    Raises PaymentCodeInvalid (unknown, used or expired) or PaymentCodeRateLimited after 10 bad
    codes within a minute from the same terminal (or overall without a terminal id).
    """
    failures_key = f"customers:paycode-failures:{terminal_id or 'any'}"
    if (cache.get(failures_key) or 0) >= PAYMENT_CODE_MAX_FAILURES:
        raise errors.PaymentCodeRateLimited(_("Too many wrong codes: wait a minute."))
    now = timezone.now()
    with transaction.atomic():
        payment_code = (
            PaymentCode.objects.select_for_update()
            .filter(
                code_hash=code_digest(f"paycode:{(code or '').strip()}"),
                used_at__isnull=True,
                expires_at__gt=now,
                customer__closed_at__isnull=True,
            )
            .first()
        )
        if payment_code is not None:
            payment_code.used_at = now
            payment_code.save(update_fields=["used_at"])
            return payment_code.customer_id
    cache.add(failures_key, 0, timeout=60)
    try:
        cache.incr(failures_key)
    except ValueError:  # expired between add and incr
        cache.set(failures_key, 1, timeout=60)
    raise errors.PaymentCodeInvalid(_("The payment code is not valid."))
