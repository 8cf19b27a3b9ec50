"""Portal forms: parse input only; the services decide."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from facepay.models import User
from merchants.models import Merchant, Store

PERIODS = (7, 30, 90)  # the dashboard's periods, in days


class OwnerSignUpForm(UserCreationForm):
    email = forms.EmailField(label=_("E-mail"))
    display_name = forms.CharField(label=_("Your name"), max_length=100)
    phone = forms.CharField(
        label=_("Mobile phone (E.164, e.g. +8613800000000)"), max_length=20, required=False
    )

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]  # django-stubs omits Meta
        model = User
        fields = ("username", "email", "display_name", "phone")

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("This phone number is already registered."))
        return phone


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Business name"), max_length=120)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        min_length=18,
        max_length=18,
        help_text=_("18 characters, as printed on the business licence."),
    )
    trade = forms.ChoiceField(label=_("Trade"), choices=Merchant.Trade.choices)
    address = forms.CharField(label=_("Address on the street"), max_length=200)
    owner_legal_name = forms.CharField(label=_("Owner's legal name"), max_length=100)
    bank_name = forms.CharField(label=_("Settlement bank"), max_length=100)
    bank_account_holder = forms.CharField(label=_("Account holder"), max_length=100)
    bank_account_number = forms.CharField(
        label=_("Account number"),
        max_length=40,
        required=False,
        help_text=_("Stored encrypted and shown masked. Leave empty to keep the stored one."),
    )
    licence_file = forms.FileField(
        label=_("Business licence (PDF, JPEG or PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class ReviewDecisionForm(forms.Form):
    DECISIONS = [
        ("start_review", _("Start review")),
        ("approve", _("Approve")),
        ("more_info", _("Ask for more information")),
        ("reject", _("Reject")),
    ]
    decision = forms.ChoiceField(choices=DECISIONS)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class StoreForm(forms.Form):
    name = forms.CharField(label=_("Store name"), max_length=120)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=_("Cashier's e-mail"))
    display_name = forms.CharField(label=_("Cashier's name"), max_length=100)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)


class TerminalForm(forms.Form):
    name = forms.CharField(label=_("Terminal name"), max_length=80)


class DashboardFilterForm(forms.Form):
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=Store.objects.none(),
        required=False,
        empty_label=_("All my stores"),
    )
    days = forms.TypedChoiceField(
        label=_("Period"),
        initial=30,
        coerce=int,
        required=False,
        choices=[(n, _("Last %(n)s days") % {"n": n}) for n in PERIODS],
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    MAX_DAYS = 366

    def __init__(self, *args: object, stores: object, today: date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["store"].queryset = stores  # type: ignore[attr-defined]
        self.today = today

    def period(self) -> tuple[date, date]:
        """(start, end) inclusive: explicit dates win, else the last N days ending today."""
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or self.today
        start = data.get("start")
        if start is None:
            start = end - timedelta(days=(data.get("days") or 30) - 1)
        if start > end:
            start, end = end, start
        if (end - start).days >= self.MAX_DAYS:
            start = end - timedelta(days=self.MAX_DAYS - 1)
        return start, end
