"""What every customer portal page shares: the signed-in customer and the page status."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase

from customers import selectors
from customers.models import Customer
from facepay.errors import FacePayError
from facepay.models import User
from facepay.permissions import AuthenticatedHttpRequest, role_required

CustomerView = Callable[..., HttpResponse]


def customer_page(view: CustomerView) -> Callable[..., HttpResponseBase]:
    """Customer role only; the view gets the signed-in user's own customer row."""

    @role_required(User.Role.CUSTOMER)
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            customer = selectors.customer_for_user(user=request.user)
        except FacePayError as exc:
            raise Http404(exc.message) from exc
        return view(request, customer, *args, **kwargs)

    return wrapper


def _status(customer: Customer) -> dict[str, Any]:
    return {
        "is_phone_verified": customer.is_phone_verified,
        "has_consent": selectors.consent_is_complete(customer=customer),
        "template": selectors.face_template_for(customer=customer),
    }
