"""Portal and API: filters, exports, role scoping (Must-show #5), refusals in the API."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from credit.models import CreditScore, ScoreModel, ScoreOverride
from facepay.models import User
from merchants.models import Merchant
from tests.credit.factories import score_row
from tests.facepay.factories import UserFactory
from tests.merchants.factories import MerchantFactory


@pytest.fixture
def street(db: None) -> dict[str, Merchant]:
    tea = MerchantFactory(name="Tea A", trade="teahouse")
    bakery = MerchantFactory(name="Bakery B", trade="bakery")
    newbie = MerchantFactory(name="New C", trade="bakery")
    score_row(tea, period_start=date(2026, 9, 1), values={"refund_rate": 0.05})
    score_row(tea, values={"refund_rate": 0.005, "volatility": 0.3})
    score_row(bakery, period_start=date(2026, 9, 1))
    score_row(bakery, values={"refund_rate": 0.2})
    score_row(newbie, insufficient=("history_days:20<60",))
    return {"tea": tea, "bakery": bakery, "newbie": newbie}


def signed_in(role: str) -> tuple[Client, User]:
    user = UserFactory(role=role)
    client = Client()
    client.force_login(user)
    return client, user


def test_ranked_list_filters(street) -> None:  # type: ignore[no-untyped-def]
    client, _ = signed_in(User.Role.FINANCE_REVIEWER)
    page = client.get(reverse("credit:home"))
    names = [row.merchant.name for row in page.context["rows"]]
    assert names == ["Tea A", "Bakery B", "New C"]
    assert [r.merchant.name for r in client.get("/credit/?trade=bakery").context["rows"]] == [
        "Bakery B",
        "New C",
    ]
    assert [r.merchant.name for r in client.get("/credit/?insufficient=yes").context["rows"]] == [
        "New C"
    ]
    assert [r.merchant.name for r in client.get("/credit/?change=up").context["rows"]] == ["Tea A"]
    assert [r.merchant.name for r in client.get("/credit/?change=down").context["rows"]] == [
        "Bakery B"
    ]
    tier = street["tea"].credit_scores.order_by("-id").first().tier
    assert "Tea A" in [r.merchant.name for r in client.get(f"/credit/?tier={tier}").context["rows"]]


def test_exports_csv_and_xlsx(street) -> None:  # type: ignore[no-untyped-def]
    client, _ = signed_in(User.Role.FINANCE_REVIEWER)
    csv_response = client.get(reverse("credit:export", args=["csv"]) + "?trade=bakery")
    text = csv_response.content.decode("utf-8-sig")
    assert csv_response["Content-Disposition"].endswith('.csv"')
    assert text.splitlines()[0].startswith("rank,merchant,credit_code")
    assert len(text.strip().splitlines()) == 3
    xlsx = client.get(reverse("credit:export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][1] == "Tea A"
    assert sheet.max_row == 4
    assert client.get(reverse("credit:export", args=["pdf"])).status_code == 404


def test_detail_page_shows_features_points_reasons_and_lineage(street) -> None:  # type: ignore[no-untyped-def]
    client, _ = signed_in(User.Role.FINANCE_REVIEWER)
    page = client.get(reverse("credit:merchant_detail", args=[street["bakery"].pk]))
    assert page.status_code == 200
    assert page.context["reasons"][0]["code"] == "refund_rate"
    body = page.content.decode()
    assert "<svg" in body
    assert "test:refund_rate" in body  # lineage
    assert len(page.context["chart"].points) == 2


def test_merchant_sees_only_its_own_score(street) -> None:  # type: ignore[no-untyped-def]
    tea = street["tea"]
    client = Client()
    client.force_login(tea.owner)
    page = client.get(reverse("credit:merchant_score"))
    assert [card["merchant"] for card in page.context["cards"]] == [tea]
    assert "Bakery B" not in page.content.decode()
    api = APIClient()
    api.force_authenticate(tea.owner)
    own = api.get(reverse("credit_api:merchant_score", args=[tea.pk]))
    assert own.status_code == 200
    assert len(own.json()) == 2
    other = api.get(reverse("credit_api:merchant_score", args=[street["bakery"].pk]))
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "credit_score_not_visible"
    assert client.get(reverse("credit:home")).status_code == 403
    assert api.get(reverse("credit_api:scores")).status_code == 403
    contest = client.post(
        reverse("credit:contest_open", args=[street["bakery"].pk]), {"message": "not mine"}
    )
    assert contest.status_code == 404


def test_api_override_refusals_and_four_eyes(street) -> None:  # type: ignore[no-untyped-def]
    first = UserFactory(role=User.Role.FINANCE_REVIEWER)
    second = UserFactory(role=User.Role.FINANCE_REVIEWER)
    score = street["bakery"].credit_scores.order_by("-id").first()
    api = APIClient()
    api.force_authenticate(first)
    url = reverse("credit_api:override_create", args=[score.pk])
    refused = api.post(url, {"new_tier": "B", "justification": ""}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "override_justification_missing"
    assert ScoreOverride.objects.count() == 0
    created = api.post(url, {"new_tier": "B", "justification": "Bank letter"}, format="json")
    assert created.status_code == 201
    decide = reverse("credit_api:override_decide", args=[created.json()["id"]])
    self_approval = api.post(decide, {"approve": True}, format="json")
    assert self_approval.status_code == 403
    assert self_approval.json()["error"]["code"] == "override_self_approval"
    assert ScoreOverride.objects.get().status == "pending"
    api.force_authenticate(second)
    approved = api.post(decide, {"approve": True}, format="json")
    assert approved.json()["status"] == "approved"
    ranked = api.get(reverse("credit_api:scores") + "?trade=bakery").json()
    assert ranked[0]["effective_tier"] == "B"


def test_priority_drift_and_models_pages_render(street) -> None:  # type: ignore[no-untyped-def]
    client, _ = signed_in(User.Role.FINANCE_REVIEWER)
    assert client.get(reverse("credit:priority")).status_code == 200
    drift = client.get(reverse("credit:drift"))
    assert drift.status_code == 200
    assert [line["name"] for line in drift.context["lines"]][-1] == "score"
    assert client.get(reverse("credit:models")).status_code == 200
    model = ScoreModel.objects.get(status="active")
    assert client.get(reverse("credit:model_detail", args=[model.pk])).status_code == 200


def test_score_all_runs_the_monthly_scoring_on_demand(db: None) -> None:
    client, _reviewer = signed_in(User.Role.FINANCE_REVIEWER)
    MerchantFactory()
    response = client.post(reverse("credit:score_all"))
    assert response.status_code == 302
    row = CreditScore.objects.get()
    assert row.status == "insufficient_data"  # a merchant with no trades
    client_owner = Client()
    client_owner.force_login(row.merchant.owner)
    assert client_owner.post(reverse("credit:score_all")).status_code == 403
    assert CreditScore.objects.count() == 1


def test_drift_panel_flags_only_the_feature_that_drifted(db: None) -> None:
    rng = random.Random(3)
    for _ in range(40):
        merchant = MerchantFactory()
        volatility = rng.uniform(0.2, 0.55)
        score_row(merchant, period_start=date(2026, 9, 1), values={"volatility": volatility})
        score_row(merchant, values={"volatility": volatility + 0.6})  # takings became uneven
    client, _ = signed_in(User.Role.FINANCE_REVIEWER)
    page = client.get(reverse("credit:drift") + "?month=2026-10")
    bands = {line["name"]: line["band"] for line in page.context["lines"]}
    psi = {line["name"]: line["psi"] for line in page.context["lines"]}
    assert bands["volatility"] == "shifted"
    assert psi["volatility"] > 0.25
    assert {name for name, band in bands.items() if band != "stable"} <= {"volatility", "score"}
    assert psi["refund_rate"] == 0.0


def test_outcomes_upload_page_refuses_a_thin_file_with_the_counts(db: None) -> None:
    client, _ = signed_in(User.Role.FINANCE_REVIEWER)
    code = MerchantFactory().credit_code
    rows = [f"{code},2026-10-01,1000,{'yes' if i < 3 else 'no'}" for i in range(30)]
    upload = SimpleUploadedFile(
        "thin.csv", ("credit_code,loan_date,amount,defaulted\n" + "\n".join(rows)).encode()
    )
    page = client.post(reverse("credit:models"), {"file": upload}, follow=True)
    assert "3 defaults and 27 repaid loans" in page.content.decode()
    assert ScoreModel.objects.count() == 1  # nothing fitted, nothing stored


def test_page_decision_with_a_note_over_its_length_is_refused_not_decided(street) -> None:  # type: ignore[no-untyped-def]
    first = UserFactory(role=User.Role.FINANCE_REVIEWER)
    score = street["bakery"].credit_scores.order_by("-id").first()
    api = APIClient()
    api.force_authenticate(first)
    created = api.post(
        reverse("credit_api:override_create", args=[score.pk]),
        {"new_tier": "B", "justification": "Bank letter"},
        format="json",
    )
    assert created.status_code == 201
    client, _second = signed_in(User.Role.FINANCE_REVIEWER)
    response = client.post(
        reverse("credit:override_decide", args=[created.json()["id"]]),
        {"decision": "approve", "note": "x" * 2001},
        follow=True,
    )
    assert response.status_code == 200
    override = ScoreOverride.objects.get()
    assert override.status == "pending"  # not approved with the note silently dropped
    assert override.decided_by is None
