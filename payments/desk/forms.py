"""Forms of the refund and dispute screens: amounts in yuan, converted to fen by the view."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Refund amount (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=200,
        help_text=_("The customer sees this on their receipt."),
    )
    # Issued when the form is shown, so a double submit refunds once.
    idempotency_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("What happened? (optional)"),
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DisputeDecisionForm(forms.Form):
    DECISIONS = (("uphold", _("Uphold: refund the customer")), ("reject", _("Reject")))

    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note for the record"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
