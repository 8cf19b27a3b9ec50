"""Customer portal pages: parse the form, call one service or selector, render."""

from customers.views.account import (
    consent,
    consent_record,
    enrol,
    face_pay_resume,
    home,
    signup,
    verify_phone,
)
from customers.views.base import customer_page
from customers.views.money import (
    controls,
    export,
    payment_code_state,
    privacy,
    receipt,
    wallet,
)

__all__ = [
    "consent",
    "consent_record",
    "controls",
    "customer_page",
    "enrol",
    "export",
    "face_pay_resume",
    "home",
    "payment_code_state",
    "privacy",
    "receipt",
    "signup",
    "verify_phone",
    "wallet",
]
