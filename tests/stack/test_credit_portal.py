"""Must-show #6: the finance office in a real browser on the real stack.

Reviewer one signs in, filters the ranked list, opens a merchant, proposes an override with a
written justification; reviewer two approves it; the export downloads. Screenshots are kept in
test-artifacts/screenshots/credit-*.png.
"""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from credit.models import ScoreOverride
from facepay.models import AuditEvent, User
from tests.credit.factories import score_row
from tests.facepay.factories import TEST_PASSWORD, UserFactory
from tests.merchants.factories import MerchantFactory
from tests.stack.browser import ARTIFACTS, screenshot
from tests.stack.conftest import Stack

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("expert_card")]


def sign_in(page, base_url: str, user: User) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/accounts/login/" not in page.url  # signed in before the next page is opened


def test_reviewers_override_with_four_eyes_and_export(stack: Stack, browser_page) -> None:  # type: ignore[no-untyped-def]
    first = UserFactory(role=User.Role.FINANCE_REVIEWER, display_name="审核员 甲")
    second = UserFactory(role=User.Role.FINANCE_REVIEWER, display_name="审核员 乙")
    bakery = MerchantFactory(name="老城烘焙坊", trade="bakery")
    tea = MerchantFactory(name="五马茶楼", trade="teahouse")
    other_bakery = MerchantFactory(name="新街面包", trade="bakery")
    for merchant, refund in ((bakery, 0.12), (tea, 0.004), (other_bakery, 0.02)):
        score_row(merchant, period_start=date(2026, 9, 1))
        score_row(merchant, values={"refund_rate": refund})
    before = bakery.credit_scores.order_by("-id").first()

    page = browser_page()
    sign_in(page, stack.base_url, first)
    page.goto(f"{stack.base_url}/credit/")
    page.select_option("select[name=trade]", "bakery")
    page.click("#rank-filters button[type=submit]")
    page.wait_for_url("**/credit/?*trade=bakery*")
    rows = page.locator("#ranked-list tbody tr")
    assert rows.count() == 2
    screenshot(page, "credit-1-filtered")
    page.click(f"#ranked-list a[href='/credit/merchants/{bakery.pk}/']")
    page.wait_for_selector("#features")
    assert page.locator(".score-chart circle").count() == 2
    screenshot(page, "credit-2-merchant")

    assert before.tier == "C"
    page.select_option("#override-form select[name=new_tier]", "B")
    page.fill(
        "#override-form textarea[name=justification]",
        "October refunds were a one-off product recall documented by the market office; "
        "takings otherwise steady: B is the fair tier.",
    )
    page.click("#override-form button[type=submit]")
    page.wait_for_selector("tr.override-pending")
    assert page.locator("#approve-override").count() == 0  # nobody approves their own
    assert page.inner_text("#effective-tier") == before.tier
    screenshot(page, "credit-3-override-pending")

    reviewer_two = browser_page()
    sign_in(reviewer_two, stack.base_url, second)
    reviewer_two.goto(f"{stack.base_url}/credit/merchants/{bakery.pk}/")
    reviewer_two.fill("#overrides input[name=note]", "Checked the recall notice.")
    reviewer_two.click("#approve-override")
    reviewer_two.wait_for_selector("tr.override-approved")
    assert reviewer_two.inner_text("#effective-tier") == "B"
    screenshot(reviewer_two, "credit-4-override-approved")

    override = ScoreOverride.objects.get()
    assert (override.requested_by, override.decided_by, override.status) == (
        first,
        second,
        "approved",
    )
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "credit.override_requested",
        "credit.override_approved",
    }

    reviewer_two.goto(f"{stack.base_url}/credit/")
    with reviewer_two.expect_download() as download_info:
        reviewer_two.click("#export-xlsx")
    target = ARTIFACTS / "credit-export.xlsx"
    download_info.value.save_as(target)
    sheet = load_workbook(target).active
    exported = {row[1]: row[8] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert exported[bakery.name] == "B"  # the approved override is the effective tier
    with reviewer_two.expect_download() as csv_info:
        reviewer_two.click("#export-csv")
    csv_path = ARTIFACTS / "credit-export.csv"
    csv_info.value.save_as(csv_path)
    assert bakery.name in csv_path.read_text(encoding="utf-8-sig")
    screenshot(reviewer_two, "credit-5-ranked-list")
