"""Finance-office pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from facepay.models import User
from facepay.permissions import role_required
from merchants import selectors as merchant_selectors


@role_required(User.Role.FINANCE_REVIEWER, User.Role.OPERATOR)
def home(request: HttpRequest) -> HttpResponse:
    merchants = merchant_selectors.merchant_list_for_user(user=request.user).order_by("name")
    return render(request, "credit/home.html", {"merchants": merchants})
