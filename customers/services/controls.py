"""The customer's payment controls: limits, face pay on/off, the payment PIN and one-time
payment codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import errors, sms
from customers.models import (
    Customer,
    PaymentCode,
)
from customers.services.base import (
    OBVIOUS_PINS,
    PAYMENT_CODE_GUESSES_KEY,
    PAYMENT_CODE_MAX_FAILURES,
    PAYMENT_CODE_MAX_FAILURES_PER_MERCHANT,
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


def _pin_failures_key(phone: str) -> str:
    return f"customers:pin-failures:{code_digest(f'pin:{phone}')}"


def _pin_failure_count(phone: str) -> int:
    """Count one wrong try on a phone, whether it has an account, a PIN or neither, so every
    refusal reads alike; returns the failures so far (they expire after 15 minutes)."""
    key, timeout = _pin_failures_key(phone), int(PIN_LOCK.total_seconds())
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def payment_pin_verify(*, phone: str, pin: str, terminal_id: int | None = None) -> int:
    """The customer id for a phone + PIN (the terminal's non-face path).

    An unknown phone, a customer without a PIN and a wrong PIN are answered alike (PinInvalid
    with the same message and extras), so the answers tell nobody whether a number has an
    account or a PIN (issue 14). Keyed at a terminal (`terminal_id`), a wrong try counts against
    that terminal, never against the customer: the caller records it and payments pauses the
    terminal after too many, so no terminal can lock a customer out of paying (issue 13).
    Without a terminal, wrong tries count per phone: PinInvalid with `attempts_left`, then
    PinLocked after 5 for 15 minutes.
    """
    locked_message = _("Too many wrong PINs: try again in 15 minutes.")
    invalid_message = _("Phone number or PIN is not right.")
    try:
        phone = phone_normalise(phone)
    except errors.PhoneInvalid as exc:
        raise errors.PinInvalid(invalid_message) from exc
    per_phone = terminal_id is None
    if per_phone and (cache.get(_pin_failures_key(phone)) or 0) >= PIN_MAX_ATTEMPTS:
        raise errors.PinLocked(locked_message)
    customer = Customer.objects.filter(user__phone=phone, closed_at__isnull=True).first()
    if customer is not None and customer.payment_pin_hash:
        if check_password(pin or "", customer.payment_pin_hash):
            if per_phone:
                cache.delete(_pin_failures_key(phone))
            return customer.pk
    else:
        check_password(pin or "", make_password(None))  # about as slow as a real check
    if customer is not None:
        audit_event_record(
            actor=None,
            action="customer.pin_failed",
            target=customer,
            data={"terminal": terminal_id},
        )
    if not per_phone:
        raise errors.PinInvalid(invalid_message)
    failures = _pin_failure_count(phone)
    if failures >= PIN_MAX_ATTEMPTS:
        raise errors.PinLocked(locked_message)
    raise errors.PinInvalid(invalid_message, attempts_left=PIN_MAX_ATTEMPTS - failures)


@transaction.atomic
def customer_face_pay_pause(*, customer_id: int, wrong_entries: int) -> bool:
    """Pause face pay after too many wrong phone digits (any terminal, any attempt) and tell the
    customer by SMS. Returns False when it was paused already. The customer resumes it in the
    portal after signing in (customer_face_pay_resume)."""
    customer = lock_customer(Customer.objects.get(pk=customer_id))
    if customer.face_pay_paused_at is not None:
        return False
    customer.face_pay_paused_at = timezone.now()
    customer.save(update_fields=["face_pay_paused_at"])
    audit_event_record(
        actor=None,
        action="customer.face_pay_paused",
        target=customer,
        data={"wrong_phone_digits": wrong_entries},
    )
    phone = customer.user.phone
    if phone:
        message = _(
            "FacePay Street: someone keyed wrong phone digits %(count)s times for your face "
            "at shop counters, so face pay is paused. Sign in to the portal to resume it."
        ) % {"count": wrong_entries}
        transaction.on_commit(partial(sms.get_sender().send, phone=phone, message=message))
    return True


@transaction.atomic
def customer_face_pay_resume(*, customer: Customer) -> Customer:
    """The signed-in customer resumes face pay after a pause for wrong phone digits."""
    customer = lock_customer(customer)
    require_open(customer)
    if customer.face_pay_paused_at is not None:
        customer.face_pay_paused_at = None
        customer.save(update_fields=["face_pay_paused_at"])
        audit_event_record(actor=customer.user, action="customer.face_pay_resumed", target=customer)
    return customer


def face_payment_notify(
    *, customer_id: int, store_name: str, amount_text: str, phone: str | None = None
) -> None:
    """SMS for every face payment: where and how much, and where to say "this was not me".

    `phone`: the customer's number when the caller has just read it (no query then)."""
    if phone is None:
        phone = (
            Customer.objects.filter(pk=customer_id).values_list("user__phone", flat=True).first()
        )
    if not phone:
        return
    message = _(
        "FacePay Street: you paid %(amount)s by face at %(store)s. Not you? Open your wallet "
        "in the portal and tap: this was not me."
    ) % {"amount": amount_text, "store": store_name}
    transaction.on_commit(partial(sms.get_sender().send, phone=phone, message=message))


@dataclass(frozen=True)
class IssuedPaymentCode:
    code: str  # 6 digits, shown once
    expires_at: datetime
    code_id: int  # the PaymentCode row: the phone asks whether it was used (never the digits)


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
    row = PaymentCode.objects.create(customer=customer, code_hash=code_hash, expires_at=expires_at)
    # How many wrong codes the platform had seen when this one was issued: the code is void once
    # FACEPAY_PAYMENT_CODE_GUESSES_PER_CODE more have been tried, however many terminals try.
    cache.set(
        f"customers:paycode-issued-at-guess:{code_hash}",
        cache.get(PAYMENT_CODE_GUESSES_KEY) or 0,
        timeout=int(PAYMENT_CODE_TTL.total_seconds()) + 60,
    )
    audit_event_record(actor=customer.user, action="customer.payment_code_issued", target=customer)
    return IssuedPaymentCode(code=code, expires_at=expires_at, code_id=row.pk)


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
