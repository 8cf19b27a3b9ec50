"""Portal forms: input shape only; every rule lives in customers.services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CARD_BRANDS = [
    ("unionpay", _("UnionPay")),
    ("visa", "Visa"),
    ("mastercard", "Mastercard"),
    ("amex", "American Express"),
    ("jcb", "JCB"),
]


class SignUpForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=32, help_text=_("With the country code, e.g. +86 138…")
    )
    display_name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)
    guardian_name = forms.CharField(
        label=_("Parent or guardian (under 14 only)"), max_length=100, required=False
    )
    has_guardian_consent = forms.BooleanField(
        label=_("I am the parent or guardian and I consent to this account"), required=False
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=100)


class CardMovementForm(forms.Form):
    """A top-up from, or a withdrawal to, a simulated bank card."""

    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    card_brand = forms.ChoiceField(label=pgettext_lazy("bank card", "Card"), choices=CARD_BRANDS)
    card_number = forms.RegexField(
        label=_("Card number"),
        regex=r"^[0-9 ]{12,23}$",
        help_text=_("Simulated card: only the brand and the last 4 digits are kept."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class WithdrawForm(CardMovementForm):
    """A withdrawal also asks who is there: the password or a one-time sign-in code."""

    password = forms.CharField(
        label=_("Your password, or a one-time code we texted you"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=128,
        required=False,
        strip=False,
    )


class LimitsForm(forms.Form):
    per_payment_limit = forms.DecimalField(
        label=_("Per payment (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    daily_limit = forms.DecimalField(
        label=_("Per day (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    step_up_above = forms.DecimalField(
        label=_("Ask for the last 4 phone digits above (yuan)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    confirm_free_up_to = forms.DecimalField(
        label=_("Pay without tapping confirm up to (yuan)"),
        help_text=_(
            "0 means the counter screen always asks you to confirm. Never more than the "
            "phone-digits amount."
        ),
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )


class PinForm(forms.Form):
    pin = forms.RegexField(
        label=_("New 6-digit payment PIN"),
        regex=r"^[0-9]{6}$",
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class CloseAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that closing the account erases my data and cannot be undone"),
    )
