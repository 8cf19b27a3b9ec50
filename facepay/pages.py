"""How an HTML page shows a refusal: the one rule every portal page follows."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from facepay.errors import FacePayError, OutOfScope


def refuse(request: HttpRequest, error: FacePayError) -> None:
    """Render a refusal on the page the viewer is redirected to.

    An object outside the viewer's scope raises a 403 or 404 page (as the API would answer);
    any other refusal becomes a message in the reader's language, without its code (codes are
    for API clients, not for people at a counter).
    """
    if isinstance(error, OutOfScope):
        if error.http_status == 404:
            raise Http404(error.message) from error
        raise PermissionDenied(error.message) from error
    messages.error(request, error.message)
