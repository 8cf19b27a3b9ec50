"""Every write of the merchants app: applications, reviews, stores, staff and terminals."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from facepay.models import User
from facepay.services import audit_event_record
from merchants import terminal_keys
from merchants.errors import (
    MerchantForbidden,
    MerchantNotApproved,
    StoreForbidden,
    TerminalForbidden,
    TerminalRevoked,
)
from merchants.models import Merchant, Store, Terminal


@dataclass(frozen=True)
class TerminalCredentials:
    """A terminal's id and its secret in clear: shown once, never stored in clear."""

    terminal: Terminal
    key_id: str
    secret: str


def _is_owner_of(actor: User, merchant: Merchant) -> bool:
    return actor.is_operator or merchant.owner_id == actor.pk


def _ensure_owner(actor: User, merchant: Merchant) -> None:
    if not _is_owner_of(actor, merchant):
        raise MerchantForbidden("You may not manage this merchant.", merchant_id=merchant.pk)


def _ensure_store_manager(actor: User, store: Store) -> None:
    if not _is_owner_of(actor, store.merchant):
        raise StoreForbidden("You may not manage this store.", store_id=store.pk)


def _issue_secret(terminal: Terminal) -> TerminalCredentials:
    secret = terminal_keys.new_secret()
    if not terminal.key_id:
        terminal.key_id = terminal_keys.new_key_id()
    terminal.secret_sealed = terminal_keys.seal_secret(key_id=terminal.key_id, secret=secret)
    terminal.secret_issued_at = timezone.now()
    terminal.save(update_fields=["key_id", "secret_sealed", "secret_issued_at"])
    return TerminalCredentials(terminal=terminal, key_id=terminal.key_id, secret=secret)


@transaction.atomic
def terminal_register(*, actor: User, store: Store, name: str) -> TerminalCredentials:
    """Register a counter device for an approved merchant's store and issue its first secret.

    Not idempotent (each call is a new device). Raises StoreForbidden, MerchantNotApproved.
    """
    _ensure_store_manager(actor, store)
    if not store.merchant.is_approved:
        raise MerchantNotApproved(
            "Terminals can be registered once the merchant is approved.",
            merchant_id=store.merchant_id,
        )
    terminal = Terminal.objects.create(store=store, name=name.strip())
    credentials = _issue_secret(terminal)
    audit_event_record(
        actor=actor,
        action="terminal.registered",
        target=terminal,
        data={"store_id": store.pk, "key_id": credentials.key_id},
    )
    return credentials


@transaction.atomic
def terminal_rotate_secret(*, actor: User | None, terminal: Terminal) -> TerminalCredentials:
    """Replace the terminal's secret (the old one is refused from now on); row lock held.

    `actor=None` is the system (the demo seed). Raises TerminalForbidden, TerminalRevoked.
    """
    terminal = (
        Terminal.objects.select_for_update().select_related("store__merchant").get(pk=terminal.pk)
    )
    if actor is not None and not _is_owner_of(actor, terminal.store.merchant):
        raise TerminalForbidden("You may not manage this terminal.", terminal_id=terminal.pk)
    if not terminal.is_active:
        raise TerminalRevoked(
            "A revoked terminal cannot get a new secret.", terminal_id=terminal.pk
        )
    credentials = _issue_secret(terminal)
    audit_event_record(
        actor=actor,
        action="terminal.secret_rotated",
        target=terminal,
        data={"key_id": credentials.key_id},
    )
    return credentials


@transaction.atomic
def terminal_revoke(*, actor: User, terminal: Terminal) -> Terminal:
    """Revoke the terminal for good; idempotent. Raises TerminalForbidden."""
    terminal = (
        Terminal.objects.select_for_update().select_related("store__merchant").get(pk=terminal.pk)
    )
    if not _is_owner_of(actor, terminal.store.merchant):
        raise TerminalForbidden("You may not manage this terminal.", terminal_id=terminal.pk)
    if terminal.is_active:
        terminal.status = Terminal.Status.REVOKED
        terminal.revoked_at = timezone.now()
        terminal.save(update_fields=["status", "revoked_at"])
        audit_event_record(actor=actor, action="terminal.revoked", target=terminal)
    return terminal
