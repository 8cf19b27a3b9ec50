"""Session authentication for the API that answers 401 (not 403) when credentials are missing."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication
from rest_framework.request import Request


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (CSRF enforced) plus a challenge: DRF answers 401 only when
    the first authenticator names one in WWW-Authenticate, else 403 for "not signed in"."""

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="FacePay Street", login="/accounts/login/"'


class SessionScheme(OpenApiAuthenticationExtension):
    """Documents the session cookie in the OpenAPI schema (registered on import)."""

    target_class = "facepay.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
