"""Consent texts (versioned) and the customer's hash-chained consent records."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import consent_texts, errors, selectors
from customers.models import (
    BiometricDeletion,
    ConsentDocument,
    ConsentRecord,
    Customer,
    FaceTemplate,
)
from customers.services.base import lock_customer, require_open
from customers.services.enrolment import biometrics_delete_locked
from facepay.services import audit_event_record


def consent_documents_ensure() -> None:
    """Publish every version of `consent_texts.DOCUMENT_VERSIONS` that is missing (idempotent;
    normally a no-op, since the data migrations published them)."""
    published = set(ConsentDocument.objects.values_list("purpose", "version"))
    for purpose, version, title, text in consent_texts.DOCUMENT_VERSIONS:
        if (purpose, version) not in published:
            ConsentDocument.objects.get_or_create(
                purpose=purpose,
                version=version,
                defaults={
                    "title": title,
                    "text": text,
                    "sha256": hashlib.sha256(text.encode()).hexdigest(),
                },
            )


@transaction.atomic
def consent_document_publish(*, purpose: str, title: str, text: str) -> ConsentDocument:
    """Publish the next version of a purpose's consent text (earlier versions stay, unchanged)."""
    latest = (
        ConsentDocument.objects.select_for_update().filter(purpose=purpose).order_by("-version")
    ).first()
    return ConsentDocument.objects.create(
        purpose=purpose,
        version=(latest.version + 1) if latest else 1,
        title=title,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def _consent_append(
    *,
    customer: Customer,
    document: ConsentDocument,
    action: str,
    ip_address: str | None,
    user_agent: str,
) -> ConsentRecord:
    last = ConsentRecord.objects.filter(customer=customer).order_by("-at", "-id").first()
    previous = last.record_hash if last else ""
    now = timezone.now()
    if last is not None and now <= last.at:
        now = last.at + timedelta(microseconds=1)  # the chain's order is its time order
    record = ConsentRecord(
        customer=customer,
        document=document,
        purpose=document.purpose,
        action=action,
        document_sha256=document.sha256,
        at=now,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:400],
        previous_hash=previous,
    )
    record.record_hash = selectors.consent_record_hash(
        selectors.consent_record_payload(record, previous_hash=previous)
    )
    record.save()
    return record


@transaction.atomic
def consent_give(
    *,
    customer: Customer,
    purpose: str,
    document_sha256: str | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> ConsentRecord:
    """Record consent to the current text of `purpose` (a no-op if already given to it).

    `document_sha256` is the text the customer saw; raises ConsentDocumentOutdated when it is no
    longer the current one, AccountClosed, or PhoneNotVerified.
    """
    customer = lock_customer(customer)
    require_open(customer)
    if not customer.is_phone_verified:
        raise errors.PhoneNotVerified(_("Verify your phone number first."))
    consent_documents_ensure()
    document = selectors.consent_document_current(purpose=purpose)
    if document_sha256 is not None and document_sha256 != document.sha256:
        raise errors.ConsentDocumentOutdated(
            _("The consent text has changed: read the new version."), current_sha256=document.sha256
        )
    current = selectors.consent_state(customer=customer).get(purpose)
    if current is not None and current.document_id == document.pk:
        return current
    record = _consent_append(
        customer=customer,
        document=document,
        action=ConsentRecord.Action.GIVEN,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    audit_event_record(
        actor=customer.user,
        action="consent.given",
        target=customer,
        data={"purpose": purpose, "version": document.version},
        ip_address=ip_address,
    )
    return record


@transaction.atomic
def consent_withdraw(
    *,
    customer: Customer,
    purpose: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> ConsentRecord | None:
    """Withdraw one purpose; any face template is deleted at once. None if it was not given."""
    customer = lock_customer(customer)
    current = selectors.consent_state(customer=customer).get(purpose)
    if current is None:
        return None
    record = _consent_append(
        customer=customer,
        document=current.document,
        action=ConsentRecord.Action.WITHDRAWN,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    audit_event_record(
        actor=customer.user,
        action="consent.withdrawn",
        target=customer,
        data={"purpose": purpose},
        ip_address=ip_address,
    )
    if FaceTemplate.objects.filter(customer=customer).exists():
        biometrics_delete_locked(
            customer=customer, reason=BiometricDeletion.Reason.CONSENT_WITHDRAWN
        )
    return record
