"""Merchant portal pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from facepay.models import User
from facepay.permissions import role_required
from merchants import selectors


@role_required(User.Role.MERCHANT_OWNER, User.Role.STORE_STAFF)
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "merchants/home.html",
        {
            "merchants": selectors.merchant_list_for_user(user=request.user),
            "stores": selectors.store_list_for_user(user=request.user).select_related("merchant"),
        },
    )
