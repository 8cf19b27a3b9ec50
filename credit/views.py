"""Finance-office portal and the merchant's own score page: parse, call one service or
selector, render. Refusals from services become messages (or 403/404 for scope)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credit import charts, exports, scorecard, selectors, services
from credit.forms import ContestForm, DecisionForm, OutcomesUploadForm, OverrideForm, RankFilterForm
from credit.models import CreditScore, ScoreContest, ScoreModel, ScoreOverride
from credit.templatetags import credit_labels
from facepay import money
from facepay.errors import FacePayError
from facepay.models import User
from facepay.permissions import AuthenticatedHttpRequest, role_required
from merchants import selectors as merchant_selectors

Role = User.Role
FINANCE = (Role.FINANCE_REVIEWER, Role.OPERATOR)


def _is_chinese() -> bool:
    return (get_language() or "").startswith("zh")


feature_label = credit_labels.feature_label


def localised_reasons(score: CreditScore | None) -> list[dict[str, Any]]:
    """The stored reasons in the reader's language (both languages are kept on the row)."""
    if score is None:
        return []
    chinese = _is_chinese()
    return [
        {
            "code": r["code"],
            "label": feature_label(r["code"]),
            "shortfall": r["shortfall"],
            "text": r["text_zh"] if chinese else r["text_en"],
            "improve": r["improve_zh"] if chinese else r["improve_en"],
        }
        for r in score.reasons
    ]


def feature_rows(score: CreditScore | None) -> list[dict[str, Any]]:
    if score is None:
        return []
    rows = []
    for info in scorecard.FEATURES:
        spec = score.inputs.get(info.name)
        if spec is None:
            continue
        points = score.points.get(info.name, {})
        rows.append(
            {
                "name": info.name,
                "label": feature_label(info.name),
                "unit": info.unit,
                "value": spec["value"],
                "value_minor": round(spec["value"]) if spec["value"] is not None else None,
                "points": points.get("points"),
                "best_points": points.get("best_points"),
                "is_scored": points.get("is_scored", False),
                "period": f"{spec['period_start']} – {spec['period_end']}",
                "source": spec["source"],
            }
        )
    return rows


def _filters(request: HttpRequest) -> tuple[RankFilterForm, dict[str, str]]:
    form = RankFilterForm(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    return form, {k: values.get(k) or "" for k in ("trade", "tier", "change", "insufficient")}


@role_required(*FINANCE)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    rows = selectors.score_list_for_finance(user=request.user, **filters)
    context = {
        "form": form,
        "rows": rows,
        "query": request.GET.urlencode(),
        "pending_overrides": selectors.overrides_pending(),
        "open_contests": selectors.contests_open(),
    }
    return render(request, "credit/home.html", context)


@role_required(*FINANCE)
@require_POST
def score_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        rows = services.credit_scores_compute_now(actor=request.user)
    except FacePayError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(n)d merchants scored.") % {"n": len(rows)})
    return redirect("credit:home")


@role_required(*FINANCE)
def export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    _form, filters = _filters(request)
    rows = selectors.score_list_for_finance(user=request.user, **filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        body = exports.to_xlsx(rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body = exports.to_csv(rows)
        content_type = "text/csv; charset=utf-8"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="sme-credit-scores-{stamp}.{fmt}"'
    return response


@role_required(*FINANCE)
def merchant_detail(request: AuthenticatedHttpRequest, merchant_id: int) -> HttpResponse:
    merchant = selectors.merchant_for_finance(user=request.user, merchant_id=merchant_id)
    if merchant is None:
        raise Http404
    ranked = selectors.ranked_merchant(merchant)
    history = selectors.score_history(merchant=merchant)
    score = ranked.score
    table = score.model.table if score else selectors.active_model().table
    context = {
        "merchant": merchant,
        "ranked": ranked,
        "score": score,
        "history": list(reversed(history)),
        "chart": charts.score_chart(history, table["tiers"]),
        "features": feature_rows(score),
        "reasons": localised_reasons(score),
        "overrides": ScoreOverride.objects.filter(merchant=merchant).select_related(
            "requested_by", "decided_by", "score"
        ),
        "contests": ScoreContest.objects.filter(merchant=merchant).select_related("requested_by"),
        "override_form": OverrideForm(),
        "currency": money.default_currency(),
        "decision_form": DecisionForm(),
    }
    return render(request, "credit/merchant_detail.html", context)


@role_required(*FINANCE)
@require_POST
def rescore(request: AuthenticatedHttpRequest, merchant_id: int) -> HttpResponse:
    merchant = selectors.merchant_for_finance(user=request.user, merchant_id=merchant_id)
    if merchant is None:
        raise Http404
    try:
        row = services.credit_score_rescore(actor=request.user, merchant=merchant)
    except FacePayError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Re-scored: %(score)s") % {"score": row.score or "—"})
    return redirect("credit:merchant_detail", merchant_id=merchant.pk)


def _form_refused(request: HttpRequest, form: forms.Form) -> bool:
    """An invalid form (an unknown tier, a text over its length) is refused on the page with its
    errors; the service is not called with half the input."""
    if form.is_valid():
        return False
    for field_errors in form.errors.values():
        for message in field_errors:
            messages.error(request, str(message))
    return True


@role_required(*FINANCE)
@require_POST
def override_request(request: AuthenticatedHttpRequest, score_id: int) -> HttpResponse:
    score = get_object_or_404(CreditScore, pk=score_id)
    form = OverrideForm(request.POST)
    if _form_refused(request, form):
        return redirect("credit:merchant_detail", merchant_id=score.merchant_id)
    try:
        services.score_override_request(
            actor=request.user,
            score=score,
            new_tier=form.cleaned_data.get("new_tier", ""),
            justification=form.cleaned_data.get("justification", ""),
        )
    except FacePayError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Override recorded; a second reviewer must approve it."))
    return redirect("credit:merchant_detail", merchant_id=score.merchant_id)


@role_required(*FINANCE)
@require_POST
def override_decide(request: AuthenticatedHttpRequest, override_id: int) -> HttpResponse:
    override = get_object_or_404(ScoreOverride, pk=override_id)
    form = DecisionForm(request.POST)
    if _form_refused(request, form):
        return redirect("credit:merchant_detail", merchant_id=override.merchant_id)
    approve = request.POST.get("decision") == "approve"
    try:
        services.score_override_decide(
            actor=request.user,
            override=override,
            approve=approve,
            note=form.cleaned_data.get("note", ""),
        )
    except FacePayError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Override approved.") if approve else _("Override rejected."))
    return redirect("credit:merchant_detail", merchant_id=override.merchant_id)


@role_required(*FINANCE)
@require_POST
def contest_resolve(request: AuthenticatedHttpRequest, contest_id: int) -> HttpResponse:
    contest = get_object_or_404(ScoreContest, pk=contest_id)
    form = DecisionForm(request.POST)
    if _form_refused(request, form):
        return redirect("credit:merchant_detail", merchant_id=contest.merchant_id)
    try:
        services.score_contest_resolve(
            actor=request.user,
            contest=contest,
            accept=request.POST.get("decision") == "approve",
            note=form.cleaned_data.get("note", ""),
        )
    except FacePayError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Request resolved."))
    return redirect("credit:merchant_detail", merchant_id=contest.merchant_id)


@role_required(*FINANCE)
def priority(request: AuthenticatedHttpRequest) -> HttpResponse:
    lists = selectors.priority_lists(user=request.user)
    return render(request, "credit/priority.html", lists)


@role_required(*FINANCE)
def drift(request: HttpRequest) -> HttpResponse:
    months = selectors.scored_months()
    chosen = next((m for m in months if f"{m:%Y-%m}" == request.GET.get("month")), None)
    report = selectors.drift_report(period_start=chosen)
    lines = [
        {
            "name": line.name,
            "label": _("Score") if line.name == "score" else feature_label(line.name),
            "psi": line.psi,
            "band": line.band,
            "expected": line.expected,
            "actual": line.actual,
        }
        for line in report.lines
    ]
    return render(
        request, "credit/drift.html", {"report": report, "lines": lines, "months": months}
    )


@role_required(*FINANCE)
def models(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OutcomesUploadForm()
    if request.method == "POST":
        form = OutcomesUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                model = services.outcomes_upload_and_fit(
                    actor=request.user, file_name=upload.name, content=upload.read()
                )
            except FacePayError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Learned card fitted: %(v)s") % {"v": model.version})
                return redirect("credit:model_detail", model_id=model.pk)
    return render(
        request,
        "credit/models.html",
        {"models": ScoreModel.objects.select_related("created_by"), "form": form},
    )


@role_required(*FINANCE)
def model_detail(request: HttpRequest, model_id: int) -> HttpResponse:
    model = get_object_or_404(ScoreModel, pk=model_id)
    table_rows = [
        {
            "label": feature_label(name),
            "name": name,
            "bins": spec["bins"],
            "missing": spec.get("missing_points", 0),
        }
        for name, spec in model.table.get("features", {}).items()
    ]
    return render(request, "credit/model_detail.html", {"model": model, "table_rows": table_rows})


@role_required(*FINANCE)
@require_POST
def model_promote(request: AuthenticatedHttpRequest, model_id: int) -> HttpResponse:
    model = get_object_or_404(ScoreModel, pk=model_id)
    try:
        if model.status == ScoreModel.Status.CANDIDATE:
            services.score_model_request_promotion(actor=request.user, model=model)
            messages.success(request, _("Promotion requested; a second person must approve."))
        else:
            services.score_model_approve_promotion(actor=request.user, model=model)
            messages.success(request, _("The card is now active."))
    except FacePayError as error:
        messages.error(request, error.message)
    return redirect("credit:model_detail", model_id=model.pk)


# --- The merchant's own page -------------------------------------------------------------------


@role_required(Role.MERCHANT_OWNER)
def merchant_score(request: AuthenticatedHttpRequest) -> HttpResponse:
    cards = []
    for merchant in selectors.merchants_owned_by(user=request.user):
        ranked = selectors.ranked_merchant(merchant)
        cards.append(
            {
                "merchant": merchant,
                "ranked": ranked,
                "reasons": localised_reasons(ranked.score),
                "contests": ScoreContest.objects.filter(merchant=merchant)[:5],
                "form": ContestForm(),
            }
        )
    return render(request, "credit/merchant_score.html", {"cards": cards})


@role_required(Role.MERCHANT_OWNER)
@require_POST
def contest_open(request: AuthenticatedHttpRequest, merchant_id: int) -> HttpResponse:
    merchant = merchant_selectors.merchant_get(merchant_id=merchant_id)
    if merchant is None:
        raise Http404
    form = ContestForm(request.POST)
    if _form_refused(request, form):
        return redirect("credit:merchant_score")
    try:
        services.score_contest_open(
            actor=request.user, merchant=merchant, message=form.cleaned_data.get("message", "")
        )
    except FacePayError as error:
        if error.http_status == 404:
            raise Http404 from error
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request was sent to the finance office."))
    return redirect("credit:merchant_score")
