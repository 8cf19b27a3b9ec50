"""Loan outcomes and the learned card (Must-show #4) plus the outcome-file refusals."""

from __future__ import annotations

import json
import math
import random
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from credit import errors, scorecard, services
from credit.models import LoanOutcome, OutcomeUpload, ScoreModel
from facepay.models import AuditEvent, User
from tests.credit.factories import score_row
from tests.facepay.factories import UserFactory
from tests.merchants.factories import MerchantFactory

MONTHS = [date(2026, m, 1) for m in (6, 7, 8, 9)]


def _loans(rng: random.Random, merchants: list, *, defaults_wanted: int | None = None) -> str:
    """One loan per merchant-month, taken the month after the scored month; the chance of
    default rises with volatility and refund rate, nothing else matters."""
    lines = ["credit_code,loan_date,amount,defaulted"]
    for merchant in merchants:
        for month in MONTHS:
            volatility = rng.uniform(0.1, 1.6)
            refund_rate = rng.uniform(0.0, 0.15)
            noise = {
                "revenue_level": rng.uniform(300_000, 20_000_000),
                "growth_3m": rng.uniform(-0.4, 0.4),
                "active_days": rng.randint(8, 31),
                "unique_customers": rng.randint(5, 200),
                "repeat_share": rng.uniform(0, 0.6),
                "average_ticket": rng.uniform(800, 20_000),
                "tenure": rng.uniform(60, 1_000),
                "settlement_regularity": rng.uniform(0.4, 1.0),
            }
            score_row(
                merchant,
                period_start=month,
                values={"volatility": volatility, "refund_rate": refund_rate, **noise},
            )
            chance = 1 / (1 + math.exp(-(-5.0 + 2.8 * volatility + 28 * refund_rate)))
            defaulted = rng.random() < chance
            loan = date(month.year, month.month + 1, 10)
            lines.append(f"{merchant.credit_code},{loan},50000,{'yes' if defaulted else 'no'}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def reviewer(db: None) -> User:
    return UserFactory(role=User.Role.FINANCE_REVIEWER)


def test_learned_card_has_monotonic_bins_and_beats_the_expert_card(reviewer: User) -> None:
    rng = random.Random(11)
    merchants = [MerchantFactory() for _ in range(110)]
    content = _loans(rng, merchants).encode()
    model = services.outcomes_upload_and_fit(
        actor=reviewer, file_name="outcomes.csv", content=content
    )
    assert model.kind == ScoreModel.Kind.LEARNED
    assert model.status == ScoreModel.Status.CANDIDATE  # not active before two approvals
    for name in ("volatility", "refund_rate"):
        bins = model.table["features"][name]["bins"]
        points = [b["points"] for b in bins]
        assert len(bins) >= 3, name
        assert points == sorted(points, reverse=True), (name, points)  # more risk, fewer points
        assert model.card["trends"][name] == "descending"
    learned_auc = model.metrics["learned"]["auc"]
    expert_auc = model.metrics["expert"]["auc"]
    print(f"hold-out AUC learned {learned_auc} vs expert {expert_auc}; {model.metrics}")  # noqa: T201
    assert learned_auc > expert_auc
    assert model.metrics["learned"]["gini"] == pytest.approx(2 * learned_auc - 1, abs=2e-4)
    assert 0 < model.metrics["learned"]["ks"] <= 1
    assert model.metrics["holdout_count"] == 132
    assert model.card["loans"] == 440
    assert OutcomeUpload.objects.get().fitted_model == model
    assert LoanOutcome.objects.count() == 440
    assert AuditEvent.objects.filter(action="credit.outcomes_uploaded").count() == 1


def _refused(reviewer: User, content: str, error: type[errors.FacePayError]) -> dict:
    models_before = ScoreModel.objects.count()
    with pytest.raises(error) as caught:
        services.outcomes_upload_and_fit(
            actor=reviewer, file_name="bad.csv", content=content.encode()
        )
    assert ScoreModel.objects.count() == models_before  # nothing changed
    assert OutcomeUpload.objects.count() == 0
    assert LoanOutcome.objects.count() == 0
    return caught.value.extra


def test_a_file_with_three_defaults_is_refused_with_the_counts(reviewer: User) -> None:
    merchants = [MerchantFactory() for _ in range(5)]
    lines = ["credit_code,loan_date,amount,defaulted"]
    for index in range(60):
        flag = "yes" if index < 3 else "no"
        lines.append(f"{merchants[index % 5].credit_code},2026-10-0{index % 9 + 1},1000,{flag}")
    extra = _refused(reviewer, "\n".join(lines), errors.OutcomesTooFewDefaults)
    assert extra == {"defaults": 3, "repaid": 57, "minimum_defaults": 20, "minimum_repaid": 20}


def test_unknown_credit_codes_are_refused_with_the_count(reviewer: User) -> None:
    merchant = MerchantFactory()
    content = (
        "credit_code,loan_date,amount,defaulted\n"
        f"{merchant.credit_code},2026-10-01,1000,no\n"
        "91330302MA2XXXXX0Y,2026-10-01,1000,no\n"
        "NOPE,2026-10-01,1000,yes\n"
    )
    extra = _refused(reviewer, content, errors.OutcomesUnknownCreditCodes)
    assert extra == {"count": 2, "rows": 3, "lines": [3, 4]}


def test_bad_dates_and_non_binary_outcomes_are_refused(reviewer: User) -> None:
    code = MerchantFactory().credit_code
    dates = f"credit_code,loan_date,amount,defaulted\n{code},2026-13-01,1000,no\n{code},x,1,no\n"
    assert _refused(reviewer, dates, errors.OutcomesBadDates)["count"] == 2
    binary = f"credit_code,loan_date,amount,defaulted\n{code},2026-10-01,1000,maybe\n"
    assert _refused(reviewer, binary, errors.OutcomesNonBinary) == {
        "count": 1,
        "rows": 1,
        "lines": [2],
    }
    missing = "credit_code,loan_date\nX,2026-10-01\n"
    assert _refused(reviewer, missing, errors.OutcomesFileInvalid)["expected"] == [
        "credit_code",
        "loan_date",
        "amount",
        "defaulted",
    ]


def test_promotion_needs_a_second_approver(reviewer: User) -> None:
    operator = UserFactory(role=User.Role.OPERATOR)
    candidate = ScoreModel.objects.create(
        version="learned-x", kind="learned", table=ScoreModel.objects.get().table
    )
    services.score_model_request_promotion(actor=operator, model=candidate)
    with pytest.raises(errors.PromotionSelfApproval):
        services.score_model_approve_promotion(actor=operator, model=candidate)
    assert ScoreModel.objects.get(status="active").version == "expert-1"  # nothing changed
    services.score_model_approve_promotion(actor=reviewer, model=candidate)
    assert ScoreModel.objects.get(status="active").version == "learned-x"
    assert ScoreModel.objects.get(version="expert-1").status == "retired"


def test_outcomes_api_refuses_three_defaults_with_the_counts(reviewer: User) -> None:

    code = MerchantFactory().credit_code
    rows = [f"{code},2026-10-01,1000,{'yes' if i < 3 else 'no'}" for i in range(40)]
    upload = SimpleUploadedFile(
        "three.csv", ("credit_code,loan_date,amount,defaulted\n" + "\n".join(rows)).encode()
    )
    api = APIClient()
    api.force_authenticate(reviewer)
    response = api.post(reverse("credit_api:outcomes_upload"), {"file": upload})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "outcomes_too_few_defaults"
    assert response.json()["error"]["extra"]["defaults"] == 3
    assert "3 defaults and 37 repaid" in response.json()["error"]["message"]
    assert OutcomeUpload.objects.count() == 0


def test_operator_edits_the_table_from_the_command_line(db: None, tmp_path) -> None:  # type: ignore[no-untyped-def]

    operator = UserFactory(role=User.Role.OPERATOR)
    path = tmp_path / "table.json"
    path.write_text(json.dumps({**scorecard.DEFAULT_TABLE, "base_points": 305}))
    call_command("credit_table_edit", str(path), operator=operator.username, note="tune")
    assert ScoreModel.objects.get(status="active").table["base_points"] == 305
