"""Device authentication for terminal API calls (DRF): HMAC signature, clock window, nonces.

Every refusal is an `AuthenticationFailed` whose code is stable public API (rendered by
facepay.errors): signature_missing, signature_malformed, terminal_unknown, terminal_revoked,
merchant_not_approved, timestamp_out_of_range, signature_invalid, nonce_replayed.
"""

from __future__ import annotations

import hmac
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from facepay.parsing import parse_int
from merchants import nonces, signing
from merchants.models import Terminal
from merchants.terminal_keys import terminal_secret

NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
SIGNATURE_PATTERN = re.compile(r"^[0-9a-f]{64}$")
TIMESTAMP_MAX = 10**12  # unix seconds; larger is malformed, not merely out of the window
LAST_SEEN_EVERY = timedelta(seconds=30)  # refresh last_seen_at at most this often per terminal


def _refuse(code: str, message: str) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(message, code=code)


class TerminalRequest(Request):
    """A request signed by a terminal (TerminalSignatureAuthentication + IsSignedTerminal):
    `request.auth` is that Terminal. A type only, so views read it without casts."""

    auth: Terminal


class TerminalSignatureAuthentication(BaseAuthentication):
    """Authenticate a signed terminal: `request.auth` is the Terminal, `request.user` anonymous.

    Headers missing → signature_missing (use `OptionalTerminalSignatureAuthentication` to let
    other authenticators try instead). The nonce is remembered for twice the allowed clock skew
    (merchants.nonces: Redis, or the database without Redis), so a captured request can never be
    replayed inside its window, whichever process or restart it reaches. Database work: one
    query for the terminal with its store and merchant (plus the nonce's INSERT without Redis,
    and a last-seen UPDATE at most every 30 s per terminal).
    """

    header = "FacePay-HMAC"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Terminal] | None:
        meta = request._request.META
        key_id = meta.get("HTTP_X_TERMINAL_ID", "").strip()
        stamp = meta.get("HTTP_X_TIMESTAMP", "").strip()
        nonce = meta.get("HTTP_X_NONCE", "").strip()
        given = meta.get("HTTP_X_SIGNATURE", "").strip().lower()
        if not (key_id and stamp and nonce and given):
            raise _refuse(
                "signature_missing",
                _("X-Terminal-Id, X-Timestamp, X-Nonce and X-Signature are all required."),
            )
        if (
            parse_int(stamp, minimum=0, maximum=TIMESTAMP_MAX) is None
            or not NONCE_PATTERN.match(nonce)
            or not SIGNATURE_PATTERN.match(given)
        ):
            raise _refuse("signature_malformed", _("A signature header is malformed."))
        terminal = Terminal.objects.select_related("store__merchant").filter(key_id=key_id).first()
        if terminal is None or not terminal.secret_sealed:
            raise _refuse("terminal_unknown", _("No terminal has this id."))
        skew = settings.FACEPAY_TERMINAL_CLOCK_SKEW_SECONDS
        now = timezone.now()
        if abs(now.timestamp() - int(stamp)) > skew:
            raise _refuse(
                "timestamp_out_of_range",
                _("X-Timestamp is more than %(seconds)s seconds from the server clock.")
                % {"seconds": skew},
            )
        expected = signing.signature(
            secret=terminal_secret(terminal),
            method=request._request.method or "",
            path=request._request.get_full_path(),
            timestamp=stamp,
            nonce=nonce,
            body=request._request.body,
        )
        if not hmac.compare_digest(expected, given):
            raise _refuse("signature_invalid", _("The signature does not match this request."))
        if not terminal.is_active:
            raise _refuse("terminal_revoked", _("This terminal has been revoked."))
        if not terminal.store.merchant.is_approved:
            raise _refuse("merchant_not_approved", _("This terminal's merchant is not approved."))
        if not nonces.nonce_claim(terminal_id=terminal.pk, nonce=nonce, now=now):
            raise _refuse("nonce_replayed", _("This nonce was already used."))
        if terminal.last_seen_at is None or now - terminal.last_seen_at > LAST_SEEN_EVERY:
            Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=now)
            terminal.last_seen_at = now
        return AnonymousUser(), terminal

    def authenticate_header(self, request: Request) -> str:
        return self.header


class OptionalTerminalSignatureAuthentication(TerminalSignatureAuthentication):
    """As above, but a request without X-Terminal-Id is left to the next authenticator."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Terminal] | None:
        if not request._request.META.get("HTTP_X_TERMINAL_ID"):
            return None
        return super().authenticate(request)


class IsSignedTerminal(BasePermission):
    """DRF permission: the request was authenticated by a terminal signature."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not isinstance(request.auth, Terminal):
            raise _refuse("signature_missing", _("This endpoint needs a signed terminal request."))
        return True


class TerminalSignatureScheme(OpenApiAuthenticationExtension):
    """Documents the terminal signature in the OpenAPI schema (registered on import)."""

    target_class = "merchants.authentication.TerminalSignatureAuthentication"
    name = "terminalSignature"
    match_subclasses = True

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Signature",
            "description": "Hex HMAC-SHA256 under the terminal secret of "
            '"METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256HEX(body)", sent with X-Terminal-Id, '
            "X-Timestamp (unix seconds) and a single-use X-Nonce.",
        }
