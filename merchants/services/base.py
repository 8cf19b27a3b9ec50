"""Shared by the merchants services: the application's constants, terminal credentials and
the owner / store-manager checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from facepay.models import User
from merchants import terminal_keys
from merchants.errors import (
    MerchantForbidden,
    StoreForbidden,
)
from merchants.models import Merchant, Store, Terminal

Status = Merchant.Status
LICENCE_SIGNATURES: dict[bytes, str] = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
LICENCE_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.MORE_INFO_REQUESTED})
BANK_ACCOUNT_PATTERN = re.compile(r"^[0-9]{8,30}$")


@dataclass(frozen=True)
class TerminalCredentials:
    """A terminal's id and its secret in clear: shown once, never stored in clear."""

    terminal: Terminal
    key_id: str
    secret: str


def is_owner_of(actor: User, merchant: Merchant) -> bool:
    return actor.is_operator or merchant.owner_id == actor.pk


def ensure_owner(actor: User, merchant: Merchant) -> None:
    if not is_owner_of(actor, merchant):
        raise MerchantForbidden(_("You may not manage this merchant."), merchant_id=merchant.pk)


def ensure_store_manager(actor: User, store: Store) -> None:
    if not is_owner_of(actor, store.merchant):
        raise StoreForbidden(_("You may not manage this store."), store_id=store.pk)


def issue_secret(terminal: Terminal) -> TerminalCredentials:
    secret = terminal_keys.new_secret()
    if not terminal.key_id:
        terminal.key_id = terminal_keys.new_key_id()
    terminal.secret_sealed = terminal_keys.seal_secret(key_id=terminal.key_id, secret=secret)
    terminal.secret_issued_at = timezone.now()
    terminal.save(update_fields=["key_id", "secret_sealed", "secret_issued_at"])
    return TerminalCredentials(terminal=terminal, key_id=terminal.key_id, secret=secret)
