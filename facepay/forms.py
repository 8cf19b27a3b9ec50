"""Sign-in forms of the site and the admin, both behind `facepay.sign_in`'s throttle."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from facepay import sign_in

THROTTLED = "sign_in_throttled"


def client_address(request: HttpRequest | None) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "")[:64]


class ThrottledSignInMixin:
    """Refuses a password while the account+client, client or account is throttled, unless a
    valid one-time sign-in code comes with it; counts each wrong password."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]
    data: Any

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        client = client_address(self.request)
        if sign_in.sign_in_is_throttled(
            username=username, client=client
        ) and not sign_in.sign_in_code_redeem(username=username, code=self.data.get("code", "")):
            raise ValidationError(
                _(
                    "Too many failed sign-in attempts. Try again in a few minutes, or ask for a "
                    "sign-in code and enter it with your password."
                ),
                code=THROTTLED,
            )
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except ValidationError:
            sign_in.sign_in_failure_record(username=username, client=client)
            raise
        sign_in.sign_in_success_record(username=username, client=client)
        return cleaned


class SignInForm(ThrottledSignInMixin, AuthenticationForm):
    code = forms.CharField(
        label=_("Sign-in code (only if asked)"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class AdminSignInForm(ThrottledSignInMixin, AdminAuthenticationForm):
    pass


def is_throttled(form: forms.Form) -> bool:
    return form.has_error(NON_FIELD_ERRORS, THROTTLED)
