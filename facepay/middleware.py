"""Error answers that leak nothing: the JSON error shape under /api/, and under DEBUG (the
embedded demo) the production 400/404/500 pages in place of Django's technical ones, which list
every URL pattern, settings and tracebacks. Plus the CSP and Permissions-Policy headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from facepay.errors import error_body

API_PREFIX = "/api/"
# Django's technical debug pages carry this tag; our own pages never do.
TECHNICAL_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


def api_error_response(status: int, code: str | None = None) -> JsonResponse:
    """The JSON error shape for a refusal that happened outside DRF (routing, parsing, crash)."""
    default_code, message = {
        400: ("bad_request", _("The request could not be read.")),
        403: ("forbidden", _("You may not do this.")),
        404: ("not_found", _("Nothing is at this address.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        413: ("request_too_large", _("The request is too large.")),
    }.get(status, ("server_error", _("Something went wrong on the server; it was logged.")))
    return JsonResponse(error_body(code or default_code, message), status=status)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _is_technical(response: HttpResponse) -> bool:
    if response.streaming or response.status_code < 400:
        return False
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        return TECHNICAL_PAGE_MARK in response.content
    return content_type.startswith("text/plain") and b"Traceback" in response.content


class SafeErrorMiddleware:
    """Outermost middleware: sees every response, including Django's own error answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or response.streaming:
            return response
        if _is_api(request):
            if not response.get("Content-Type", "").startswith("application/json"):
                return api_error_response(response.status_code)
            return response
        if settings.DEBUG and _is_technical(response):
            return production_page(request, response.status_code)
        return response


class PolicyHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (settings)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class SyncChainMiddleware:
    """Innermost and sync-only, so that under ASGI Django runs the whole chain in one worker
    thread. Without it every async-capable middleware above runs on the event loop and hops to
    a thread and back for each of its process_request/process_response: an empty view cost
    5.3-6.0 ms of uvicorn CPU, now 3.3-3.5 ms (bench/asgi_floor.py, docs/benchmarks.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


def production_page(request: HttpRequest, status: int) -> HttpResponse:
    """The page production shows for this status (templates/404.html, 500.html, …)."""
    if status == 404:
        return defaults.page_not_found(request, Exception())
    if status == 403:
        return defaults.permission_denied(request, Exception())
    if status < 500:
        return bad_request(request, Exception())
    return defaults.server_error(request)


# --- handler400/403/404/500 (facepay/urls.py): used when DEBUG is off -------------------------
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400, or 413 when the body is over DATA_UPLOAD_MAX_MEMORY_SIZE; JSON under /api/."""
    status, code = 400, None
    if isinstance(exception, RequestDataTooBig):
        status, code = 413, "request_too_large"
    elif isinstance(exception, TooManyFieldsSent):
        code = "too_many_fields"
    elif isinstance(exception, TooManyFilesSent):
        code = "too_many_files"
    if _is_api(request):
        return api_error_response(status, code)
    response = defaults.bad_request(request, exception)
    response.status_code = status
    return response


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return api_error_response(403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return api_error_response(404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return api_error_response(500)
    return defaults.server_error(request)
