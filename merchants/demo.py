"""The demo street's merchants, built through the same services a real owner and operator use."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from facepay.models import User
from merchants import services
from merchants.models import Merchant, Store, Terminal

DEMO_TERMINAL_NAME = "柜台 1"
DEMO_BANK = "温州银行 五马支行"
# A minimal, valid one-page PDF standing in for the scanned business licence.
DEMO_LICENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def demo_merchant(
    *,
    owner: User,
    operator: User,
    index: int,
    credit_code: str,
    name: str,
    trade: str,
    address: str,
    owner_name: str,
) -> Merchant:
    """Find or apply for, submit, review and approve one demo merchant (idempotent, silent)."""
    merchant = Merchant.objects.filter(credit_code=credit_code).first()
    if merchant is None:
        merchant = services.merchant_application_save(
            actor=owner,
            merchant=None,
            name=name,
            credit_code=credit_code,
            trade=trade,
            address=address,
            owner_legal_name=owner_name,
            bank_name=DEMO_BANK,
            bank_account_holder=owner_name,
            bank_account_number=f"62220203{index:010d}",
            licence_file=SimpleUploadedFile("licence.pdf", DEMO_LICENCE_PDF),
        )
    if merchant.status == Merchant.Status.DRAFT:
        merchant = services.merchant_application_submit(
            actor=owner, merchant=merchant, is_silent=True
        )
    if merchant.status == Merchant.Status.SUBMITTED:
        merchant = services.merchant_review_start(actor=operator, merchant=merchant, is_silent=True)
    if merchant.status == Merchant.Status.UNDER_REVIEW:
        merchant = services.merchant_approve(actor=operator, merchant=merchant, is_silent=True)
    return merchant


def demo_store(*, merchant: Merchant, name: str, address: str, cashier: User) -> Store:
    """Find or open one store with a provisioned counter terminal and its cashier (idempotent)."""
    owner = merchant.owner
    store = Store.objects.filter(merchant=merchant, name=name).first()
    if store is None:
        store = services.store_create(actor=owner, merchant=merchant, name=name, address=address)
    terminal = Terminal.objects.filter(store=store, name=DEMO_TERMINAL_NAME).first()
    if terminal is None:
        services.terminal_register(actor=owner, store=store, name=DEMO_TERMINAL_NAME)
    elif not terminal.secret_sealed:
        services.terminal_rotate_secret(actor=None, terminal=terminal)
    services.staff_invite(
        actor=owner,
        store=store,
        email=cashier.email,
        display_name=cashier.display_name,
        is_silent=True,
    )
    return store
