"""Platform pages: landing, role home redirect, health, operations, login with rate limit."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from facepay import health, selectors
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
    """Django's login view with a per-IP and per-username failure budget held in the cache."""

    max_failures = 10
    window_seconds = 300

    def _keys(self) -> list[str]:
        ip = self.request.META.get("REMOTE_ADDR", "")
        username = self.request.POST.get("username", "").lower()[:150]
        return [f"login-fail:ip:{ip}", f"login-fail:user:{username}"]

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if any((cache.get(key) or 0) >= self.max_failures for key in self._keys()):
            messages.error(
                request, _("Too many failed sign-in attempts. Try again in a few minutes.")
            )
            return self.render_to_response(self.get_context_data(form=self.get_form()), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        for key in self._keys():
            cache.add(key, 0, timeout=self.window_seconds)
            cache.incr(key)
        return super().form_invalid(form)
