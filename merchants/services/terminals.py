"""Terminals: register, rotate the signing secret, revoke."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facepay.models import User
from facepay.services import audit_event_record
from merchants.errors import (
    MerchantNotApproved,
    TerminalForbidden,
    TerminalRevoked,
)
from merchants.models import Store, Terminal
from merchants.services.base import (
    TerminalCredentials,
    ensure_store_manager,
    is_owner_of,
    issue_secret,
)


@transaction.atomic
def terminal_register(*, actor: User, store: Store, name: str) -> TerminalCredentials:
    """Register a counter device for an approved merchant's store and issue its first secret.

    Not idempotent (each call is a new device). Raises StoreForbidden, MerchantNotApproved.
    """
    ensure_store_manager(actor, store)
    if not store.merchant.is_approved:
        raise MerchantNotApproved(
            _("Terminals can be registered once the merchant is approved."),
            merchant_id=store.merchant_id,
        )
    terminal = Terminal.objects.create(store=store, name=name.strip())
    credentials = issue_secret(terminal)
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
    if actor is not None and not is_owner_of(actor, terminal.store.merchant):
        raise TerminalForbidden(_("You may not manage this terminal."), terminal_id=terminal.pk)
    if not terminal.is_active:
        raise TerminalRevoked(
            _("A revoked terminal cannot get a new secret."), terminal_id=terminal.pk
        )
    credentials = issue_secret(terminal)
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
    if not is_owner_of(actor, terminal.store.merchant):
        raise TerminalForbidden(_("You may not manage this terminal."), terminal_id=terminal.pk)
    if terminal.is_active:
        terminal.status = Terminal.Status.REVOKED
        terminal.revoked_at = timezone.now()
        terminal.save(update_fields=["status", "revoked_at"])
        audit_event_record(actor=actor, action="terminal.revoked", target=terminal)
    return terminal
