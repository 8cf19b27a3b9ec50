"""Portal forms: shape the input only; the rules (justification, tiers, four eyes) live in
credit.services so the page and the API refuse the same way."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from merchants import selectors as merchant_selectors

TIER_CHOICES = [("", _("Any tier"))] + [(t, t) for t in "ABCDE"]


class RankFilterForm(forms.Form):
    trade = forms.ChoiceField(
        label=_("Trade"),
        required=False,
        choices=[("", _("Any trade")), *merchant_selectors.trade_choices()],
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=TIER_CHOICES)
    change = forms.ChoiceField(
        label=_("Score change"),
        required=False,
        choices=[("", _("Any")), ("up", _("Up")), ("down", _("Down")), ("flat", _("Unchanged"))],
    )
    insufficient = forms.ChoiceField(
        label=_("Insufficient data"),
        required=False,
        choices=[("", _("All")), ("yes", _("Only insufficient data")), ("no", _("Only scored"))],
    )


class OverrideForm(forms.Form):
    new_tier = forms.ChoiceField(
        label=_("New tier"), required=False, choices=[(t, t) for t in "ABCDE"]
    )
    justification = forms.CharField(
        label=_("Written justification"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class ContestForm(forms.Form):
    message = forms.CharField(
        label=_("Which data is wrong?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OutcomesUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Loan outcomes (CSV file)"),
        max_length=200,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload
