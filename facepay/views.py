"""Platform pages: landing, role home redirect, health, operations, login with rate limit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from facepay import forms, health, selectors, sign_in
from facepay.celery import app as celery_app
from facepay.models import User
from facepay.permissions import AuthenticatedHttpRequest, role_required
from facepay.tasks import ops_ping_task


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html")


def _figure_rows(figures: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, str]]:
    rows = []
    for key, label in labels.items():
        value = figures.get(key)
        if isinstance(value, float):
            rows.append((label, f"{value:.4f}"))
        elif value is not None:
            rows.append((label, str(value)))
    return rows


# The liveness kit's kinds of presentation, as the accuracy page names them.
LIVENESS_SPECIES = {
    "live": gettext_lazy("Live clips, each asked for the action it contains"),
    "live_mirrored": gettext_lazy("The same live clips, mirrored"),
    "live_no_challenge": gettext_lazy("Live clips without any action, asked for one"),
    "live_mirrored_no_challenge": gettext_lazy("Live clips without any action, mirrored"),
    "print_flat": gettext_lazy("Printed photo, flat sheet moved and tilted"),
    "print_bent": gettext_lazy("Printed photo, bent sheet"),
    "print_cutout": gettext_lazy("Printed photo with the eyes cut out, blinking behind"),
    "screen_photo": gettext_lazy("Photo shown on a phone screen"),
    "video_replay": gettext_lazy("Live clip replayed on a tablet"),
}


def _held_out(liveness: dict[str, Any] | None) -> dict[str, Any] | None:
    """The leave-one-person-out figures of a liveness report (None before they were published)."""
    held_out = liveness["figures"].get("leave_one_person_out") if liveness else None
    if not held_out:
        return None
    return {
        **held_out,
        "bpcer_percent": 100 * held_out["bpcer"],
        "most_accepted": max(held_out["worst_fold_accepted"].values(), default=0),
    }


def accuracy(request: HttpRequest) -> HttpResponse:
    """Public, no login: the current model pack's measured figures, with date and data."""
    figures = selectors.pack_figures_public()
    verification = figures.sections.get("verification")
    identification = figures.sections.get("identification")
    liveness = figures.sections.get("liveness")
    species_rows = []
    if liveness:
        for name, item in liveness["figures"]["species"].items():
            if name.endswith("_no_challenge"):
                measure = _("accepted without the action")
            else:
                measure = "BPCER" if name.startswith("live") else "APCER"
            species_rows.append(
                {
                    "name": LIVENESS_SPECIES.get(name, name),
                    "measure": measure,
                    "rate_percent": 100 * item["rate"],
                    **{key: item[key] for key in ("presentations", "identities", "accepted")},
                }
            )
    context = {
        "figures": figures,
        "verification": verification,
        "verification_rows": _figure_rows(
            verification["figures"] if verification else {},
            {
                "pairs": _("Pairs"),
                "auc": _("ROC AUC"),
                "eer": _("Equal error rate"),
                "tar_at_far_1e-3": _("True accept rate at FAR 0.001"),
                "lfw_official_folds_accuracy": _("LFW official folds accuracy"),
            },
        ),
        "identification": identification,
        "identification_rows": _figure_rows(
            identification["figures"] if identification else {},
            {
                "gallery_size": _("Gallery size"),
                "enrolled_probes": _("Enrolled probes"),
                "non_enrolled_probes": _("Non-enrolled probes"),
                "rank1": _("Rank-1 identification rate"),
                "fnir_at_fpir_0.001": _("Miss rate (FNIR) at FPIR 0.001"),
            },
        ),
        "liveness": liveness,
        "liveness_kit": liveness["figures"].get("kit") if liveness else None,
        "species_rows": species_rows,
        "non_response_percent": (
            100 * liveness["figures"]["attack_non_response_rate"] if liveness else None
        ),
        "held_out": _held_out(liveness),
    }
    return render(request, "accuracy.html", context)


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
