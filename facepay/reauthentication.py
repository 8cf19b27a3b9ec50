"""Fresh re-authentication for money leaving the platform: a signed-in session alone is not
enough; the password (or a one-time sign-in code) must have been given in the last few minutes
(FACEPAY_REAUTHENTICATION_SECONDS). Wrong passwords count against the sign-in throttle."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from facepay import sign_in
from facepay.errors import RateLimited, ReauthenticationFailed, ReauthenticationRequired

SESSION_KEY = "facepay_reauthenticated_at"  # epoch seconds of the last re-authentication


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")[:64]


def reauthenticate(*, request: HttpRequest, password: str = "", code: str = "") -> float:
    """Mark the session freshly re-authenticated when the password or the live sign-in code is
    right; returns when that stops counting (epoch seconds). Raises ReauthenticationFailed
    (counted like a wrong sign-in) or RateLimited while the account is throttled for this client.
    """
    if not (password or code):
        require_recent(request)
    user = request.user
    client = _client(request)
    username = user.get_username()
    is_code_right = bool(code) and sign_in.sign_in_code_redeem(username=username, code=code)
    if not is_code_right and sign_in.sign_in_is_throttled(username=username, client=client):
        raise RateLimited(_("Too many wrong passwords: try again in a few minutes."))
    if not (is_code_right or (password and user.check_password(password))):
        sign_in.sign_in_failure_record(username=username, client=client)
        raise ReauthenticationFailed(_("That password or code is not right."))
    now = time.time()
    request.session[SESSION_KEY] = now
    return now + settings.FACEPAY_REAUTHENTICATION_SECONDS


def is_recent(request: HttpRequest) -> bool:
    at = request.session.get(SESSION_KEY)
    return isinstance(at, int | float) and time.time() - at <= (
        settings.FACEPAY_REAUTHENTICATION_SECONDS
    )


def require_recent(request: HttpRequest) -> None:
    """Raises ReauthenticationRequired unless the session re-authenticated in the last minutes."""
    if not is_recent(request):
        raise ReauthenticationRequired(
            _("Confirm it is you: enter your password or a one-time code first."),
            max_age_seconds=settings.FACEPAY_REAUTHENTICATION_SECONDS,
        )
