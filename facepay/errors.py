"""The one error shape of the platform: `{"error": {"code", "message", "extra"}}`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class FacePayError(Exception):
    """An expected refusal. `code` is public API: never rename one; add a new one instead."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class OutOfScope(FacePayError):
    """The viewer may not see this object: a page answers with a 403/404 page, not a message."""

    code, http_status = "forbidden", 403


class NotFound(FacePayError):
    code, http_status = "not_found", 404


class Forbidden(FacePayError):
    code, http_status = "forbidden", 403


class CsrfFailed(FacePayError):
    code, http_status = "csrf_failed", 403


class ReauthenticationRequired(FacePayError):
    code, http_status = "reauthentication_required", 403


class ReauthenticationFailed(FacePayError):
    code, http_status = "reauthentication_failed", 403


class RateLimited(FacePayError):
    code, http_status = "rate_limited", 429


class ServiceUnavailable(FacePayError):
    """Redis (cache, broker, channel layer) is unreachable: try again shortly."""

    code, http_status = "service_unavailable", 503


# Raised by the cache, the broker and the channel layer while Redis is down.
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, BrokerUnavailable)


def error_body(code: str, message: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "extra": extra or {}}}


_DRF_CODES: dict[type[drf_exceptions.APIException], str] = {
    drf_exceptions.ValidationError: "invalid_input",
    drf_exceptions.ParseError: "malformed_request",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.PermissionDenied: "forbidden",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "rate_limited",
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every API refusal in the single error shape; unknown exceptions stay 500s."""
    if isinstance(exc, OUTAGE_ERRORS):
        exc = ServiceUnavailable(_("The service is briefly unavailable. Please try again."))
    if isinstance(exc, FacePayError):
        return Response(error_body(exc.code, exc.message, exc.extra), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, drf_exceptions.APIException):
        return response
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    # A FacePayError-style code given by an authentication class wins over the generic one.
    detail_code = exc.get_codes() if not isinstance(exc, drf_exceptions.ValidationError) else None
    if isinstance(detail_code, str) and detail_code not in {
        "invalid",
        "error",
        "not_authenticated",
        "authentication_failed",
        "permission_denied",
        "not_found",
        "parse_error",
        "throttled",
        "method_not_allowed",
    }:
        code = detail_code
    if isinstance(exc, drf_exceptions.ValidationError):
        extra: dict[str, Any] = (
            {"fields": exc.detail} if isinstance(exc.detail, dict) else {"errors": exc.detail}
        )
        message = "The request is not valid."
    else:
        extra = {}
        message = str(exc.detail)
    response.data = error_body(code, message, extra)
    return response
