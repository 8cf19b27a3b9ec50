"""Customer portal pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from facepay.models import User
from facepay.permissions import role_required


@role_required(User.Role.CUSTOMER)
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "customers/home.html", {"customer": getattr(request.user, "customer", None)}
    )
