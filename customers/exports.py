"""Data-rights renderings: the export (JSON/CSV, never the template), face-use rows, QR codes."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import segno
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone

from customers import selectors, wallet
from customers.models import Customer
from merchants import selectors as merchant_selectors


@dataclass(frozen=True)
class FaceUseRow:
    at: datetime
    store_id: int
    store_name: str
    terminal_id: int
    attempt_id: int
    outcome: str
    similarity: float | None
    is_step_up_used: bool


def face_use_rows(*, customer: Customer, limit: int | None = None) -> list[FaceUseRow]:
    uses = selectors.face_use_list(customer=customer, limit=limit)
    names = merchant_selectors.store_names(store_ids={use.store_id for use in uses})
    return [
        FaceUseRow(
            at=use.at,
            store_id=use.store_id,
            store_name=names.get(use.store_id, ""),
            terminal_id=use.terminal_id,
            attempt_id=use.attempt_id,
            outcome=use.outcome,
            similarity=round(use.similarity, 4) if use.similarity is not None else None,
            is_step_up_used=use.is_step_up_used,
        )
        for use in uses
    ]


def customer_export(*, customer: Customer) -> dict[str, Any]:
    """Everything the platform holds about the customer, except the face template itself."""
    user = customer.user
    template = selectors.face_template_for(customer=customer)
    statement = wallet.book().statement(customer_id=customer.pk)
    return {
        "exported_at": timezone.now(),
        "profile": {
            "customer_id": customer.pk,
            "display_name": user.display_name,
            "phone": user.phone,
            "email": user.email,
            "date_of_birth": customer.date_of_birth,
            "phone_verified_at": customer.phone_verified_at,
            "guardian_name": customer.guardian_name,
            "created_at": customer.created_at,
            "currency": customer.currency,
            "per_payment_limit_minor": customer.per_payment_limit_minor,
            "daily_limit_minor": customer.daily_limit_minor,
            "step_up_above_minor": customer.step_up_above_minor,
            "confirm_free_up_to_minor": customer.confirm_free_up_to_minor,
            "is_face_pay_enabled": customer.is_face_pay_enabled,
            "is_lookalike_flagged": customer.is_lookalike_flagged,
            "has_payment_pin": bool(customer.payment_pin_hash),
        },
        "biometric_enrolment": {
            "is_enrolled": template is not None,
            "created_at": template.created_at if template else None,
            "last_used_at": template.last_used_at if template else None,
            "model_version": template.model_version if template else "",
            "note": "The face template itself is never exported.",
        },
        "consents": selectors.consent_chain(customer=customer),
        "wallet": {
            "balance_minor": wallet.book().balance_minor(
                customer_id=customer.pk, currency=customer.currency
            ),
            "currency": customer.currency,
        },
        "payments": [asdict(line) for line in statement if line.kind != "refund"],
        "refunds": [asdict(line) for line in statement if line.kind == "refund"],
        "biometric_access_log": [asdict(row) for row in face_use_rows(customer=customer)],
        "biometric_deletions": [
            {
                "reason": receipt.reason,
                "deleted_at": receipt.deleted_at,
                "destroyed_key_id": receipt.destroyed_key_id,
                "receipt_hash": receipt.receipt_hash,
            }
            for receipt in selectors.biometric_deletion_list(customer=customer)
        ],
    }


def _filename(customer: Customer, extension: str) -> str:
    return f"facepay-my-data-{customer.pk}-{timezone.localdate():%Y%m%d}.{extension}"


def json_response(customer: Customer) -> HttpResponse:
    body = json.dumps(
        customer_export(customer=customer), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(customer, "json")}"'
    return response


def _flatten(section: str, value: Any, rows: list[list[str]], index: str = "") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                _flatten(f"{section}.{key}", item, rows, index)
            else:
                rows.append([section, index, key, _text(item)])
    elif isinstance(value, list):
        for position, item in enumerate(value, start=1):
            _flatten(section, item, rows, str(position))
    else:
        rows.append([section, index, "", _text(value)])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def csv_rows(customer: Customer) -> list[list[str]]:
    rows: list[list[str]] = [["section", "item", "field", "value"]]
    for section, value in customer_export(customer=customer).items():
        _flatten(section, value, rows)
    return rows


def csv_response(customer: Customer) -> HttpResponse:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(csv_rows(customer))
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(customer, "csv")}"'
    return response


def qr_svg(code: str) -> str:
    """The payment code as an inline SVG QR (segno, no external service)."""
    return segno.make(f"FACEPAY:{code}", error="m").svg_inline(scale=8, dark="#1b2a3a")


def consent_record_response(customer: Customer) -> HttpResponse:
    body = json.dumps(selectors.consent_chain(customer=customer), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"facepay-consent-record-{customer.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
