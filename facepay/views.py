"""Platform pages: landing, role home redirect, health, operations, login with rate limit."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from facepay import forms, health, selectors, sign_in
from facepay.celery import app as celery_app
from facepay.models import User
from facepay.permissions import AuthenticatedHttpRequest, role_required
from facepay.tasks import ops_ping_task


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html")


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponseRedirect:
    return redirect(selectors.home_url_for(request.user))


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    ok, components = health.run_checks()
    return JsonResponse(
        {"status": "ok" if ok else "failing", "components": components}, status=200 if ok else 503
    )


@role_required(User.Role.OPERATOR)
def ops(request: HttpRequest) -> HttpResponse:
    events = selectors.audit_event_list_for_operator(action_prefix=request.GET.get("action", ""))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    ok, components = health.run_checks()
    queue_length = None
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        with celery_app.connection_for_read() as conn:
            queue_length = conn.default_channel.client.llen("celery")
    return render(
        request,
        "ops.html",
        {"page": page, "health_ok": ok, "components": components, "queue_length": queue_length},
    )


@role_required(User.Role.OPERATOR)
@require_POST
def ops_ping(request: HttpRequest) -> HttpResponse:
    """Ping the ops feed through a Celery worker: proves worker → channel layer → browser."""
    ops_ping_task.delay(nonce=request.POST.get("nonce", ""))
    return JsonResponse({"queued": True}, status=202)


class RateLimitedLoginView(auth_views.LoginView):
    """Django's login view behind `facepay.sign_in`'s throttle (429 while throttled)."""

    authentication_form = forms.SignInForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if forms.is_throttled(form):
            response.status_code = 429
        return response


@never_cache
def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin's login behind the same throttle as the site's (429 while throttled)."""
    response = admin.site.login(request, extra_context)
    form = (getattr(response, "context_data", None) or {}).get("form")
    if form is not None and forms.is_throttled(form):
        response.status_code = 429
    return response


@require_POST
def sign_in_code_send(request: HttpRequest) -> HttpResponseRedirect:
    """Text or e-mail a one-time sign-in code; the same answer whether the account exists."""
    sign_in.sign_in_code_send(
        username=request.POST.get("username", ""), client=forms.client_address(request)
    )
    messages.info(
        request,
        _(
            "If this account exists, a sign-in code is on its way to its phone or e-mail. "
            "Enter it with your password."
        ),
    )
    return redirect("login")
