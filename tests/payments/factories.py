"""Factories for payments tests: customers with funded wallets and templates, terminals."""

from __future__ import annotations

import uuid

import numpy as np

from customers import services as customer_services
from customers.models import ConsentDocument, Customer
from facepay.face.config import get_config
from facepay.face.pack import load_manifest
from payments import services
from tests.customers.factories import CustomerFactory

__all__ = [
    "CustomerFactory",
    "enrolled_customer",
    "fund",
    "funded_customer",
    "give_consents",
    "unit_vector",
]


def fund(customer: Customer, amount_minor: int, currency: str = "CNY") -> None:
    services.wallet_top_up(
        customer_id=customer.pk,
        amount_minor=amount_minor,
        currency=currency,
        card_brand="unionpay",
        card_last4="4242",
        idempotency_key=uuid.uuid4().hex,
    )


def funded_customer(amount_minor: int = 100_000, **kwargs: object) -> Customer:
    """A customer whose wallet was topped up through the service."""
    customer = CustomerFactory(**kwargs)
    fund(customer, amount_minor)
    return customer


def template_dimension() -> int:
    """Length of a template of the configured pack (640 for the fused SFace pack)."""
    return load_manifest(get_config().pack).embedding_dimension


def unit_vector(seed: int, dimension: int | None = None) -> np.ndarray:
    dimension = dimension or template_dimension()
    vector = np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)
    return vector / np.linalg.norm(vector)


def ensure_consent_documents() -> None:
    """Transactional tests flush the migration's consent texts: publish them again if gone."""
    for purpose in ConsentDocument.Purpose:
        if not ConsentDocument.objects.filter(purpose=purpose).exists():
            customer_services.consent_document_publish(
                purpose=purpose, title=str(purpose.label), text=f"Consent to {purpose.label}."
            )


def give_consents(customer: Customer) -> None:
    ensure_consent_documents()
    for purpose in ConsentDocument.Purpose:
        customer_services.consent_give(customer=customer, purpose=purpose)


def enrolled_customer(
    embedding: np.ndarray | None = None,
    *,
    amount_minor: int = 100_000,
    model_version: str = "test",
    **kwargs: object,
) -> Customer:
    """A funded customer with both consents and a template (stored as the enrolment would)."""
    customer = funded_customer(amount_minor, **kwargs)
    give_consents(customer)
    vector = unit_vector(customer.pk) if embedding is None else embedding
    customer_services._template_store(  # the enrolment's own storage step, without a camera
        customer=customer,
        embedding=vector,
        quality=1.0,
        frame_count=1,
        model_version=model_version,
        pack_name="test",
        lookalike_ids=[],
        ip_address=None,
    )
    customer.refresh_from_db()
    return customer
