"""Shared by the customers services: the limits, keyed hashes of short codes, phone
normalising, the customer row lock and the closed-account rule."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from customers import errors
from customers.models import (
    Customer,
)

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
MAX_ENROL_FRAMES = 3
OBVIOUS_PINS = {"000000", "111111", "123456", "654321", "123123", "888888", "666666"}


def code_digest(value: str) -> str:
    """Keyed hash of a short secret (codes): useless without the server's SECRET_KEY."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def random_digits(count: int) -> str:
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


def lock_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().select_related("user").get(pk=customer.pk)


def require_open(customer: Customer) -> None:
    if customer.is_closed:
        raise errors.AccountClosed(_("This account is closed."))
