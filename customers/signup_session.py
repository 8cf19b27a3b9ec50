"""A sign-up waits in the session until its texted code is confirmed; only then is anyone signed
in. A phone that already has an account gets exactly the same answers (its owner is texted
instead), so the sign-up pages and API tell nobody which numbers have accounts."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import login
from django.http import HttpRequest
from django.utils.translation import gettext as _

from customers import errors, services
from customers.models import Customer
from facepay.models import User

PENDING_KEY = "customers_sign_up_user"  # the new user's id, or 0 for a phone already taken
PHONE_KEY = "customers_sign_up_phone"
TRIES_KEY = "customers_sign_up_tries"  # wrong codes on a taken phone, counted like real ones
SENT_AT_KEY = "customers_sign_up_sent_at"


def is_pending(request: HttpRequest) -> bool:
    return PENDING_KEY in request.session


def pending_phone(request: HttpRequest) -> str:
    return request.session.get(PHONE_KEY, "")


def sign_up_start(*, request: HttpRequest, data: dict[str, Any], ip_address: str | None) -> str:
    """Create the account and text its code, or text the owner of a taken phone; the session
    waits for the code either way. Returns the phone (E.164). Raises what customer_sign_up
    raises, except PhoneTaken."""
    try:
        customer = services.customer_sign_up(**data, ip_address=ip_address)
    except errors.PhoneTaken:
        phone = services.phone_normalise(data["phone"])
        services.sign_up_on_taken_phone_notify(phone=phone)
        user_id = 0
    else:
        phone, user_id = customer.user.phone, customer.user_id
    request.session.cycle_key()
    request.session.update(
        {PENDING_KEY: user_id, PHONE_KEY: phone, TRIES_KEY: 0, SENT_AT_KEY: time.time()}
    )
    return phone


def sign_up_resend(*, request: HttpRequest) -> None:
    """Text a new code (OtpResendTooSoon within 30 s of the last, for a taken phone too)."""
    if time.time() - request.session.get(SENT_AT_KEY, 0) < services.OTP_RESEND_AFTER.seconds:
        raise errors.OtpResendTooSoon(_("Wait a few seconds before asking for another code."))
    if user_id := request.session.get(PENDING_KEY):
        services.phone_verification_send(user=User.objects.get(pk=user_id))
    request.session[SENT_AT_KEY] = time.time()


def sign_up_confirm(*, request: HttpRequest, code: str) -> Customer:
    """Check the texted code; signs the new customer in. Raises OtpInvalid, OtpExpired or
    OtpTooManyAttempts; a taken phone's session reads like a wrong code every time."""
    user_id = request.session.get(PENDING_KEY)
    if user_id is None:
        raise errors.OtpInvalid(_("There is no code waiting: ask for a new one."))
    if user_id == 0:
        tries = request.session.get(TRIES_KEY, 0)
        if tries >= services.OTP_MAX_ATTEMPTS:
            raise errors.OtpTooManyAttempts(_("Too many wrong codes: ask for a new one."))
        request.session[TRIES_KEY] = tries + 1
        raise errors.OtpInvalid(
            _("The code is not right."), attempts_left=services.OTP_MAX_ATTEMPTS - tries - 1
        )
    user = User.objects.get(pk=user_id)
    customer = services.phone_verification_confirm(user=user, code=code)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return customer
