"""Overrides need two different reviewers; contests; table versions; refusals change nothing."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from credit import errors, scorecard, selectors, services
from credit.models import CreditScore, ScoreContest, ScoreModel, ScoreOverride
from facepay.models import AuditEvent, User
from tests.credit.factories import score_row
from tests.facepay.factories import UserFactory
from tests.merchants.factories import MerchantFactory


@pytest.fixture
def reviewers(db: None) -> tuple[User, User]:
    return (
        UserFactory(role=User.Role.FINANCE_REVIEWER),
        UserFactory(role=User.Role.FINANCE_REVIEWER),
    )


def test_override_counts_only_after_a_second_reviewer_approves(reviewers) -> None:  # type: ignore[no-untyped-def]
    first, second = reviewers
    score = score_row(MerchantFactory())
    assert score.tier == "B"
    override = services.score_override_request(
        actor=first, score=score, new_tier="A", justification="New lease signed; audited books."
    )
    assert selectors.ranked_merchant(score.merchant).effective_tier == "B"  # not yet
    with pytest.raises(errors.OverrideSelfApproval):
        services.score_override_decide(actor=first, override=override, approve=True)
    override.refresh_from_db()
    assert override.status == ScoreOverride.Status.PENDING  # nothing changed
    services.score_override_decide(actor=second, override=override, approve=True, note="Agreed")
    ranked = selectors.ranked_merchant(score.merchant)
    assert ranked.effective_tier == "A"
    assert ranked.override == override
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_id"))
    assert actions == [
        ("credit.override_requested", first.pk),
        ("credit.override_approved", second.pk),
    ]
    with pytest.raises(errors.OverrideAlreadyDecided):
        services.score_override_decide(actor=second, override=override, approve=False)


def test_override_without_justification_is_refused(reviewers) -> None:  # type: ignore[no-untyped-def]
    score = score_row(MerchantFactory())
    with pytest.raises(errors.OverrideJustificationMissing):
        services.score_override_request(
            actor=reviewers[0], score=score, new_tier="A", justification="   "
        )
    with pytest.raises(errors.OverrideTierInvalid):
        services.score_override_request(
            actor=reviewers[0], score=score, new_tier="Z", justification="x"
        )
    assert ScoreOverride.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_database_refuses_a_self_approved_override(reviewers) -> None:  # type: ignore[no-untyped-def]
    score = score_row(MerchantFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreOverride.objects.create(
            score=score,
            merchant=score.merchant,
            new_tier="A",
            justification="x",
            requested_by=reviewers[0],
            decided_by=reviewers[0],
            status="approved",
        )


def test_only_the_finance_office_may_override(db: None) -> None:
    owner_merchant = MerchantFactory()
    score = score_row(owner_merchant)
    with pytest.raises(errors.NotAllowed):
        services.score_override_request(
            actor=owner_merchant.owner, score=score, new_tier="A", justification="mine"
        )
    assert ScoreOverride.objects.count() == 0


def test_contest_accepted_triggers_a_rescore(reviewers) -> None:  # type: ignore[no-untyped-def]
    merchant = MerchantFactory()
    score_row(merchant)
    contest = services.score_contest_open(
        actor=merchant.owner, merchant=merchant, message="October refunds were a test."
    )
    other = MerchantFactory()
    with pytest.raises(errors.ScoreNotVisible):
        services.score_contest_open(actor=other.owner, merchant=merchant, message="x")
    assert ScoreContest.objects.count() == 1
    resolved = services.score_contest_resolve(
        actor=reviewers[0], contest=contest, accept=True, note="Checked"
    )
    assert resolved.status == ScoreContest.Status.ACCEPTED
    assert resolved.rescore.trigger == CreditScore.Trigger.CONTEST
    assert merchant.credit_scores.count() == 2
    with pytest.raises(errors.ContestAlreadyResolved):
        services.score_contest_resolve(actor=reviewers[1], contest=contest, accept=False)


def test_points_table_edits_are_new_audited_versions_by_operators_only(reviewers) -> None:  # type: ignore[no-untyped-def]
    operator = UserFactory(role=User.Role.OPERATOR)
    table = {**scorecard.DEFAULT_TABLE, "base_points": 310}
    with pytest.raises(errors.NotAllowed):
        services.score_model_revise(actor=reviewers[0], table=table, note="x")
    with pytest.raises(errors.ScoreTableInvalid):
        services.score_model_revise(actor=operator, table={"features": {}}, note="x")
    assert ScoreModel.objects.get().version == "expert-1"  # nothing changed
    model = services.score_model_revise(actor=operator, table=table, note="Raise the base")
    assert model.version == "expert-2"
    assert model.status == "active"
    assert ScoreModel.objects.get(version="expert-1").status == "retired"
    event = AuditEvent.objects.get(action="credit.table_revised")
    assert event.actor == operator
    assert event.data == {"previous": "expert-1", "note": "Raise the base"}
