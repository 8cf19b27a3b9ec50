"""Credit reviews: score overrides (four eyes) and contests (data-correction requests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit import errors, selectors
from credit.models import (
    CreditScore,
    ScoreContest,
    ScoreOverride,
)
from credit.services.scoring import TIERS, credit_score_compute
from facepay.models import User
from facepay.services import audit_event_record

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Merchant


@transaction.atomic
def score_override_request(
    *, actor: User, score: CreditScore, new_tier: str, justification: str
) -> ScoreOverride:
    """A reviewer proposes a new tier with a written justification; it counts only after a
    second reviewer approves. Refuses a blank justification, a bad tier, a second pending one."""
    if not selectors.is_finance(actor):
        raise errors.NotAllowed(_("Only the finance office can override a score."))
    justification = (justification or "").strip()
    if not justification:
        raise errors.OverrideJustificationMissing(_("An override needs a written justification."))
    if new_tier not in TIERS:
        raise errors.OverrideTierInvalid(_("The new tier must be one of A–E."), tier=new_tier)
    CreditScore.objects.select_for_update().get(pk=score.pk)
    if score.overrides.filter(status=ScoreOverride.Status.PENDING).exists():
        raise errors.OverridePending(_("This score already has an override awaiting approval."))
    override = ScoreOverride.objects.create(
        score=score,
        merchant_id=score.merchant_id,
        new_tier=new_tier,
        justification=justification,
        requested_by=actor,
    )
    audit_event_record(
        actor=actor,
        action="credit.override_requested",
        target=override,
        data={"from": score.tier, "to": new_tier, "justification": justification},
    )
    return override


@transaction.atomic
def score_override_decide(
    *, actor: User, override: ScoreOverride, approve: bool, note: str = ""
) -> ScoreOverride:
    """A second, different reviewer approves or rejects a pending override, once. Refuses
    self-approval and a second decision; holds the row lock while deciding."""
    if not selectors.is_finance(actor):
        raise errors.NotAllowed(_("Only the finance office can decide an override."))
    override = ScoreOverride.objects.select_for_update().get(pk=override.pk)
    if override.requested_by_id == actor.pk:
        raise errors.OverrideSelfApproval(
            _("A second, different reviewer must decide an override.")
        )
    if override.status != ScoreOverride.Status.PENDING:
        raise errors.OverrideAlreadyDecided(_("This override has already been decided."))
    override.status = ScoreOverride.Status.APPROVED if approve else ScoreOverride.Status.REJECTED
    override.decided_by = actor
    override.decided_at = timezone.now()
    override.decision_note = note.strip()
    override.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_event_record(
        actor=actor,
        action="credit.override_approved" if approve else "credit.override_rejected",
        target=override,
        data={"tier": override.new_tier, "note": override.decision_note},
    )
    return override


@transaction.atomic
def score_contest_open(*, actor: User, merchant: Merchant, message: str) -> ScoreContest:
    """A merchant owner contests its own latest score. Refuses anyone else's merchant."""
    if not selectors.merchants_owned_by(user=actor).filter(pk=merchant.pk).exists():
        raise errors.ScoreNotVisible(_("No such score."))
    message = (message or "").strip()
    if not message:
        raise errors.ContestMessageMissing(_("Say which data is wrong."))
    score = merchant.credit_scores.order_by("-computed_at", "-id").first()
    if score is None:
        raise errors.NoScoreYet(_("There is no score to contest yet."))
    contest = ScoreContest.objects.create(
        score=score, merchant=merchant, message=message, requested_by=actor
    )
    audit_event_record(actor=actor, action="credit.contest_opened", target=contest)
    return contest


@transaction.atomic
def score_contest_resolve(
    *, actor: User, contest: ScoreContest, accept: bool, note: str = ""
) -> ScoreContest:
    """The office resolves a contest once; accepting it re-scores the merchant (a new row)."""
    if not selectors.is_finance(actor):
        raise errors.NotAllowed(_("Only the finance office can resolve a contest."))
    contest = ScoreContest.objects.select_for_update().get(pk=contest.pk)
    if contest.status != ScoreContest.Status.OPEN:
        raise errors.ContestAlreadyResolved(_("This request has already been resolved."))
    if accept:
        contest.rescore = credit_score_compute(
            merchant=contest.merchant,
            period_start=contest.score.period_start,
            trigger=CreditScore.Trigger.CONTEST,
        )
    contest.status = ScoreContest.Status.ACCEPTED if accept else ScoreContest.Status.REJECTED
    contest.resolved_by = actor
    contest.resolved_at = timezone.now()
    contest.resolution_note = note.strip()
    contest.save(
        update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "rescore"]
    )
    audit_event_record(
        actor=actor,
        action="credit.contest_accepted" if accept else "credit.contest_rejected",
        target=contest,
    )
    return contest
