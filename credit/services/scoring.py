"""Scoring runs, points-table versions (revise, four-eyes promotion), loan outcomes and the
learned card. Every decision is audited through facepay.services."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from credit import errors, features, learned, scorecard, selectors
from credit.models import (
    CreditScore,
    LoanOutcome,
    OutcomeUpload,
    ScoreModel,
)
from credit.outcomes import outcomes_parse
from facepay import money
from facepay.models import User
from facepay.services import audit_event_record

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Merchant

TIERS = ("A", "B", "C", "D", "E")
# A learned card's method and limits, kept in English on the model row and translated when a
# page shows them ({% translate model.card.method %}): the catalogue holds the same msgids.
CARD_METHOD = gettext_noop(
    "optbinning BinningProcess (monotonic bins) + Scorecard "
    "(logistic regression, min–max scaled to 300–900)"
)
CARD_LIMITS = [
    gettext_noop("Trained only on loans made to merchants of this street."),
    gettext_noop("Features of the month before each loan; later behaviour is not used."),
    gettext_noop("Small samples give wide error margins on AUC, KS and Gini."),
    gettext_noop("Never uses customer identities or anything derived from faces."),
]


def last_complete_month(now: datetime | None = None) -> date:
    """The first day of the last complete month in Asia/Shanghai."""
    today = timezone.localtime(now or timezone.now(), selectors.local_zone()).date()
    return features.add_months(features.month_start(today), -1)


def _score_row_fields(feature_set: features.FeatureSet, model: ScoreModel) -> dict[str, Any]:
    inputs = {
        fv.name: {
            "value": fv.value,
            "period_start": fv.period_start.isoformat(),
            "period_end": fv.period_end.isoformat(),
            "source": fv.source,
        }
        for fv in feature_set.values
    }
    if not feature_set.is_sufficient:
        return {
            "status": CreditScore.Status.INSUFFICIENT_DATA,
            "score": None,
            "tier": "",
            "inputs": inputs,
            "points": {},
            "reasons": [],
            "insufficient": list(feature_set.insufficient),
        }
    result = scorecard.score(model.table, feature_set.as_values())
    return {
        "status": CreditScore.Status.SCORED,
        "score": result.score,
        "tier": result.tier,
        "inputs": inputs,
        "points": {
            fp.name: {
                "points": fp.points,
                "best_points": fp.best_points,
                "bin": fp.bin_index,
                "is_scored": fp.is_scored,
            }
            for fp in result.points
        },
        "reasons": [
            {
                "code": r.code,
                "shortfall": r.shortfall,
                "text_en": r.text_en,
                "text_zh": r.text_zh,
                "improve_en": r.improve_en,
                "improve_zh": r.improve_zh,
            }
            for r in result.reasons
        ],
        "insufficient": [],
    }


@transaction.atomic
def credit_score_compute(
    *,
    merchant: Merchant,
    period_start: date,
    trigger: str = CreditScore.Trigger.MONTHLY,
    model: ScoreModel | None = None,
) -> CreditScore:
    """Score one merchant-month with the active card. Monthly runs are idempotent (one row per
    merchant, month and model; a rerun returns it); on-demand runs always add a row."""
    model = model or selectors.active_model()
    if trigger == CreditScore.Trigger.MONTHLY:
        existing = CreditScore.objects.filter(
            merchant=merchant, period_start=period_start, model=model, trigger=trigger
        ).first()
        if existing is not None:
            return existing
    feature_set = selectors.merchant_features(
        merchant=merchant, period_start=period_start, model=model
    )
    fields = _score_row_fields(feature_set, model)
    try:
        with transaction.atomic():
            return CreditScore.objects.create(
                merchant=merchant,
                period_start=period_start,
                period_end=features.month_end(period_start),
                model=model,
                trigger=trigger,
                **fields,
            )
    except IntegrityError:  # a concurrent monthly run wrote the same row first
        return CreditScore.objects.get(
            merchant=merchant, period_start=period_start, model=model, trigger=trigger
        )


def credit_scores_compute(*, period_start: date | None = None) -> list[CreditScore]:
    """The monthly run: every approved merchant for the last complete month; idempotent."""
    period = period_start or last_complete_month()
    return [
        credit_score_compute(merchant=merchant, period_start=period)
        for merchant in selectors.scoreable_merchants()
    ]


def credit_scores_compute_now(*, actor: User) -> list[CreditScore]:
    """The finance office starts the monthly run early (idempotent, audited)."""
    if not selectors.is_finance(actor):
        raise errors.NotAllowed(_("Only the finance office can start a scoring run."))
    rows = credit_scores_compute()
    audit_event_record(actor=actor, action="credit.run_started", data={"rows": len(rows)})
    return rows


@transaction.atomic
def credit_score_rescore(
    *, actor: User, merchant: Merchant, period_start: date | None = None
) -> CreditScore:
    """On-demand re-score by the finance office (audited); always a new row."""
    if not selectors.is_finance(actor):
        raise errors.NotAllowed(_("Only the finance office can re-score a merchant."))
    row = credit_score_compute(
        merchant=merchant,
        period_start=period_start or last_complete_month(),
        trigger=CreditScore.Trigger.ON_DEMAND,
    )
    audit_event_record(actor=actor, action="credit.rescored", target=row, data={"score": row.score})
    return row


def _next_version(kind: str) -> str:
    count = ScoreModel.objects.filter(kind=kind).count()
    version = f"{kind}-{count + 1}"
    while ScoreModel.objects.filter(version=version).exists():
        count += 1
        version = f"{kind}-{count + 1}"
    return version


@transaction.atomic
def score_model_revise(*, actor: User, table: Mapping[str, Any], note: str) -> ScoreModel:
    """An operator's edit of the expert points table: a new active version (the old one is
    retired, its scores keep pointing at it). Audited; refuses an invalid table."""
    if not actor.is_operator:
        raise errors.NotAllowed(_("Only a platform operator can edit the points table."))
    try:
        scorecard.validate_table(table)
    except scorecard.InvalidTable as exc:
        raise errors.ScoreTableInvalid(str(exc)) from exc
    previous = ScoreModel.objects.select_for_update().filter(status=ScoreModel.Status.ACTIVE)
    old = previous.first()
    previous.update(status=ScoreModel.Status.RETIRED)
    model = ScoreModel.objects.create(
        version=_next_version(ScoreModel.Kind.EXPERT),
        kind=ScoreModel.Kind.EXPERT,
        status=ScoreModel.Status.ACTIVE,
        table=dict(table),
        note=note,
        created_by=actor,
        activated_at=timezone.now(),
    )
    audit_event_record(
        actor=actor,
        action="credit.table_revised",
        target=model,
        data={"previous": old.version if old else None, "note": note},
    )
    return model


@transaction.atomic
def score_model_request_promotion(*, actor: User, model: ScoreModel) -> ScoreModel:
    """An operator asks to make a candidate card active; a second person must approve."""
    if not actor.is_operator:
        raise errors.NotAllowed(_("Only a platform operator can promote a card."))
    model = ScoreModel.objects.select_for_update().get(pk=model.pk)
    if model.status != ScoreModel.Status.CANDIDATE:
        raise errors.PromotionNotRequested(_("Only a candidate card can be put up for promotion."))
    model.status = ScoreModel.Status.PROMOTION_REQUESTED
    model.promotion_requested_by = actor
    model.save(update_fields=["status", "promotion_requested_by"])
    audit_event_record(actor=actor, action="credit.promotion_requested", target=model)
    return model


@transaction.atomic
def score_model_approve_promotion(*, actor: User, model: ScoreModel) -> ScoreModel:
    """The second approver (operator or finance reviewer, not the requester) activates the card;
    the old active card is retired. Refuses self-approval."""
    if not (actor.is_operator or selectors.is_finance(actor)):
        raise errors.NotAllowed(_("Only an operator or a finance reviewer can approve a card."))
    model = ScoreModel.objects.select_for_update().get(pk=model.pk)
    if model.status != ScoreModel.Status.PROMOTION_REQUESTED:
        raise errors.PromotionNotRequested(_("Nobody has asked to promote this card."))
    if model.promotion_requested_by_id == actor.pk:
        raise errors.PromotionSelfApproval(
            _("A second, different person must approve a promotion.")
        )
    ScoreModel.objects.select_for_update().filter(status=ScoreModel.Status.ACTIVE).update(
        status=ScoreModel.Status.RETIRED
    )
    model.status = ScoreModel.Status.ACTIVE
    model.promotion_approved_by = actor
    model.activated_at = timezone.now()
    model.save(update_fields=["status", "promotion_approved_by", "activated_at"])
    audit_event_record(actor=actor, action="credit.promotion_approved", target=model)
    return model


def _features_before(
    *, merchant: Merchant, loan_date: date, model: ScoreModel, cache: dict[Any, Any]
) -> dict[str, float | None]:
    """The merchant's features of the last complete month before the loan: a stored score row
    of that month if there is one, else computed from the ledger."""
    period = features.add_months(features.month_start(loan_date), -1)
    key = (merchant.pk, period)
    if key not in cache:
        stored = (
            CreditScore.objects.filter(merchant=merchant, period_start=period)
            .order_by("-computed_at", "-id")
            .first()
        )
        if stored is not None:
            cache[key] = {name: spec.get("value") for name, spec in stored.inputs.items()}
        else:
            feature_set = selectors.merchant_features(
                merchant=merchant, period_start=period, model=model
            )
            cache[key] = feature_set.as_values()
    return cache[key]


@transaction.atomic
def outcomes_upload_and_fit(
    *, actor: User, file_name: str, content: bytes, currency: str | None = None
) -> ScoreModel:
    """Store an outcomes file and fit a learned card from it as a candidate (not active).
    Refuses a bad file with a stable code and the counts; nothing is stored then."""
    if not selectors.is_finance(actor):
        raise errors.NotAllowed(_("Only the finance office can upload loan outcomes."))
    currency = money.validate_currency(currency or money.default_currency())
    parsed = outcomes_parse(content=content, currency=currency)
    expert = selectors.active_model()
    upload = OutcomeUpload.objects.create(
        file_name=file_name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        row_count=len(parsed),
        default_count=sum(1 for p in parsed if p.is_defaulted),
        uploaded_by=actor,
    )
    LoanOutcome.objects.bulk_create(
        LoanOutcome(
            upload=upload,
            merchant=p.merchant,
            loan_date=p.loan_date,
            amount_minor=p.amount_minor,
            currency=currency,
            is_defaulted=p.is_defaulted,
        )
        for p in parsed
    )
    cache: dict[Any, Any] = {}
    rows = [
        learned.TrainingRow(
            values=_features_before(
                merchant=p.merchant, loan_date=p.loan_date, model=expert, cache=cache
            ),
            is_defaulted=p.is_defaulted,
        )
        for p in parsed
    ]
    result = learned.fit(rows, expert_table=expert.table, tiers=expert.table["tiers"])
    dates = sorted(p.loan_date for p in parsed)
    model = ScoreModel.objects.create(
        version=_next_version(ScoreModel.Kind.LEARNED),
        kind=ScoreModel.Kind.LEARNED,
        status=ScoreModel.Status.CANDIDATE,
        table=result.table,
        note=f"Fitted on {file_name}",
        created_by=actor,
        metrics={
            "learned": result.learned.as_dict(),
            "expert": result.expert.as_dict(),
            "expert_version": expert.version,
            "train_count": result.train_count,
            "holdout_count": result.holdout_count,
        },
        card={
            "data_period": [dates[0].isoformat(), dates[-1].isoformat()],
            "loans": len(parsed),
            "defaults": upload.default_count,
            "merchants": len({p.merchant.pk for p in parsed}),
            "features": sorted(result.table["features"]),
            "trends": result.trends,
            "method": CARD_METHOD,
            "holdout_share": learned.HOLDOUT_SHARE,
            "limits": CARD_LIMITS,
        },
    )
    upload.fitted_model = model
    upload.save(update_fields=["fitted_model"])
    audit_event_record(
        actor=actor,
        action="credit.outcomes_uploaded",
        target=model,
        data={"file": file_name, "loans": len(parsed), "defaults": upload.default_count},
    )
    return model
