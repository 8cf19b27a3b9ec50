"""Every non-trivial customer read. Pages and APIs read only the signed-in customer's own rows."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import errors, gallery
from customers.models import (
    BiometricDeletion,
    ConsentDocument,
    ConsentRecord,
    Customer,
    FaceTemplate,
    FaceUse,
    PaymentCode,
)
from facepay.models import User

REQUIRED_PURPOSES: tuple[str, ...] = (
    ConsentDocument.Purpose.FACE_PAYMENT,
    ConsentDocument.Purpose.TEMPLATE_STORAGE,
)


@dataclass(frozen=True)
class PaymentProfile:
    customer_id: int
    masked_name: str  # "李**", "Li W**": safe to show on a shop's screen
    phone_last4: str  # the step-up factor ("" when no phone)
    can_pay_by_face: bool
    # face_pay_disabled, face_pay_paused, consent_missing, not_enrolled, account_closed
    refusal_code: str | None
    per_payment_limit_minor: int
    daily_limit_minor: int
    step_up_above_minor: int
    confirm_free_up_to_minor: int  # captured without a tap at or below this (0 = never)
    is_lookalike_flagged: bool  # always ask for the step-up factor
    currency: str
    phone: str = ""  # where the payment's SMS goes ("" when none)


@dataclass(frozen=True)
class FaceHit:
    customer_id: int
    similarity: float  # cosine, -1..1


def _is_cjk(character: str) -> bool:
    return "CJK" in unicodedata.name(character, "")


def masked_name(name: str) -> str:
    """First character (CJK) or first word plus the next initial (Latin), the rest as stars."""
    name = name.strip()
    if not name:
        return "***"
    if _is_cjk(name[0]):
        return name[0] + "*" * max(len(name) - 1, 1)
    words = name.split()
    if len(words) == 1:
        return words[0][0] + "***"
    return f"{words[0]} {words[1][0]}**"


def customer_for_user(*, user: User) -> Customer:
    """The signed-in user's own customer row; raises CustomerNotFound."""
    customer = Customer.objects.select_related("user").filter(user_id=user.pk).first()
    if customer is None:
        raise errors.CustomerNotFound(_("This account has no customer profile."))
    return customer


def customer_id_for_user(*, user: User) -> int | None:
    """The user's customer id, or None when the user has no customer row."""
    return Customer.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()


def customer_is_open(*, customer_id: int) -> bool | None:
    """True for an open account, False for a closed one, None for no such customer."""
    closed_at = Customer.objects.filter(pk=customer_id).values_list("closed_at", flat=True)
    if not closed_at.exists():
        return None
    return closed_at.first() is None


def customer_display_names() -> dict[int, str]:
    """Every customer's display name by id (the demo seeding's payers)."""
    return dict(Customer.objects.values_list("pk", "user__display_name"))


def consent_state(*, customer: Customer) -> dict[str, ConsentRecord | None]:
    """Per purpose, the latest record when it is a "given" one (else None)."""
    state: dict[str, ConsentRecord | None] = dict.fromkeys(ConsentDocument.Purpose.values)
    for record in ConsentRecord.objects.filter(customer=customer).select_related("document"):
        state[record.purpose] = record if record.action == ConsentRecord.Action.GIVEN else None
    return state


def consent_is_complete(*, customer: Customer) -> bool:
    """Both biometric purposes currently given."""
    state = consent_state(customer=customer)
    return all(state[purpose] is not None for purpose in REQUIRED_PURPOSES)


def consent_document_current(*, purpose: str) -> ConsentDocument:
    """The newest version of a purpose's consent text; raises ConsentDocumentOutdated if none."""
    document = ConsentDocument.objects.filter(purpose=purpose).order_by("-version").first()
    if document is None:
        raise errors.ConsentDocumentOutdated(_("No consent text is published for this purpose."))
    return document


def consent_documents_current() -> list[ConsentDocument]:
    """The newest text of every purpose, in the purposes' order."""
    return [consent_document_current(purpose=purpose) for purpose in ConsentDocument.Purpose]


def consent_history(*, customer: Customer) -> list[ConsentRecord]:
    """The customer's own consent records, oldest first (the chain's order)."""
    return list(
        ConsentRecord.objects.filter(customer=customer)
        .select_related("document")
        .order_by("at", "id")
    )


def consent_record_payload(record: ConsentRecord, *, previous_hash: str) -> dict[str, Any]:
    """The hashed content of one consent record (also what the download shows)."""
    return {
        "customer": record.customer_id,
        "purpose": record.purpose,
        "action": record.action,
        "document_version": record.document.version,
        "document_sha256": record.document_sha256,
        "at": record.at.isoformat(),
        "ip_address": record.ip_address or "",
        "user_agent": record.user_agent,
        "previous_hash": previous_hash,
    }


def consent_record_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def consent_chain(*, customer: Customer) -> dict[str, Any]:
    """The downloadable consent record: every entry with its hash; `is_intact` re-verifies it."""
    entries = []
    previous = ""
    is_intact = True
    for record in consent_history(customer=customer):
        payload = consent_record_payload(record, previous_hash=previous)
        expected = consent_record_hash(payload)
        is_intact = (
            is_intact and record.previous_hash == previous and record.record_hash == expected
        )
        entries.append({**payload, "record_hash": record.record_hash})
        previous = record.record_hash
    return {"customer": customer.pk, "entries": entries, "head": previous, "is_intact": is_intact}


def face_template_for(*, customer: Customer) -> FaceTemplate | None:
    """The customer's template row (metadata only is ever shown), or None."""
    return FaceTemplate.objects.filter(customer=customer).first()


def _latest_consent_action(purpose: str) -> Subquery:
    records = ConsentRecord.objects.filter(customer=OuterRef("pk"), purpose=purpose)
    return Subquery(records.order_by("-at", "-id").values("action")[:1])


def customer_payment_profile(*, customer_id: int) -> PaymentProfile:
    """What the payment decision needs about one customer, in one query; raises CustomerNotFound."""
    customer = (
        Customer.objects.select_related("user")
        .filter(pk=customer_id)
        .annotate(
            is_enrolled=Exists(FaceTemplate.objects.filter(customer=OuterRef("pk"))),
            **{
                f"consent_{purpose}": _latest_consent_action(purpose)
                for purpose in REQUIRED_PURPOSES
            },
        )
        .first()
    )
    if customer is None:
        raise errors.CustomerNotFound(_("No such customer."), customer_id=customer_id)
    phone = customer.user.phone or ""
    consented = all(
        getattr(customer, f"consent_{purpose}") == ConsentRecord.Action.GIVEN
        for purpose in REQUIRED_PURPOSES
    )
    refusal: str | None = None
    if customer.is_closed:
        refusal = errors.AccountClosed.code
    elif not customer.is_face_pay_enabled:
        refusal = errors.FacePayDisabled.code
    elif customer.face_pay_paused_at is not None:
        refusal = errors.FacePayPaused.code
    elif not consented:
        refusal = errors.ConsentMissing.code
    elif not getattr(customer, "is_enrolled", False):
        refusal = errors.NotEnrolled.code
    return PaymentProfile(
        customer_id=customer.pk,
        masked_name=masked_name(customer.user.display_name or customer.user.get_full_name()),
        phone_last4=phone[-4:] if phone else "",
        can_pay_by_face=refusal is None,
        refusal_code=refusal,
        per_payment_limit_minor=customer.per_payment_limit_minor,
        daily_limit_minor=customer.daily_limit_minor,
        step_up_above_minor=customer.step_up_above_minor,
        confirm_free_up_to_minor=customer.confirm_free_up_to_minor,
        is_lookalike_flagged=customer.is_lookalike_flagged,
        currency=customer.currency,
        phone=phone,
    )


def face_search(
    *, embedding: np.ndarray, k: int = 2, wait_seconds: float | None = None
) -> list[FaceHit]:
    """Top-k enrolled customers by cosine similarity, best first, over this process's gallery.

    The gallery is synced with the database before the search, so a template deleted (or a
    consent withdrawn) in any process before this call is never returned. `wait_seconds` bounds
    the wait for a load in progress (gallery.GalleryLoading past it).
    """
    return [
        FaceHit(customer_id=match.key, similarity=match.similarity)
        for match in gallery.search(embedding, k=k, wait_seconds=wait_seconds)
    ]


def face_use_list(*, customer: Customer, limit: int | None = None) -> list[FaceUse]:
    """The customer's own "who used my face" entries, newest first."""
    uses = FaceUse.objects.filter(customer=customer).order_by("-at", "-id")
    return list(uses[:limit] if limit else uses)


def biometric_deletion_list(*, customer: Customer) -> list[BiometricDeletion]:
    """The customer's own deletion receipts, newest first."""
    return list(BiometricDeletion.objects.filter(customer=customer).order_by("-deleted_at", "-id"))


def customer_is_minor(*, date_of_birth: Any, today: Any) -> bool:
    """Under 14 on `today` (PIPL art. 28: a guardian must consent)."""
    years = (
        today.year
        - date_of_birth.year
        - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    )
    return years < 14


def template_last_activity(template: FaceTemplate) -> datetime:
    """When the retention clock last restarted: last use, else enrolment."""
    return template.last_used_at or template.created_at


def payment_code_state(*, customer: Customer, code_id: int) -> str:
    """ "active", "used" (paid with, or replaced by a newer code) or "expired"; read only.

    Only the customer's own codes are seen: another customer's id reads as "expired".
    """
    row = PaymentCode.objects.filter(customer=customer, pk=code_id).first()
    if row is None or (row.used_at is None and row.expires_at <= timezone.now()):
        return "expired"
    return "used" if row.used_at is not None else "active"
