"""Terminals: register, rotate the signing secret, revoke, pause after wrong entries, resume."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facepay.models import User
from facepay.services import audit_event_record
from merchants.errors import (
    MerchantNotApproved,
    TerminalForbidden,
    TerminalLimitReached,
    TerminalRevoked,
)
from merchants.models import Merchant, Store, Terminal
from merchants.services.base import (
    TerminalCredentials,
    ensure_store_manager,
    is_owner_of,
    issue_secret,
)
from merchants.services.onboarding import notify


@transaction.atomic
def terminal_register(*, actor: User, store: Store, name: str) -> TerminalCredentials:
    """Register a counter device for an approved merchant's store and issue its first secret.

    Not idempotent (each call is a new device). Raises StoreForbidden, MerchantNotApproved or
    TerminalLimitReached (FACEPAY_MAX_NEW_TERMINALS_PER_DAY per merchant; the merchant row is
    locked while counting, so racing requests cannot pass the cap together).
    """
    ensure_store_manager(actor, store)
    if not store.merchant.is_approved:
        raise MerchantNotApproved(
            _("Terminals can be registered once the merchant is approved."),
            merchant_id=store.merchant_id,
        )
    Merchant.objects.select_for_update().filter(pk=store.merchant_id).first()
    registered_today = Terminal.objects.filter(
        store__merchant_id=store.merchant_id,
        created_at__gte=timezone.now() - timedelta(days=1),
    ).count()
    if registered_today >= settings.FACEPAY_MAX_NEW_TERMINALS_PER_DAY:
        raise TerminalLimitReached(
            _("This merchant has registered as many new terminals as a day allows: try tomorrow."),
            limit=settings.FACEPAY_MAX_NEW_TERMINALS_PER_DAY,
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


@transaction.atomic
def terminal_pause(*, terminal_id: int, wrong_entries: int) -> bool:
    """Pause a terminal at which too many wrong digits, PINs or codes were keyed, and alert the
    merchant's owner and every operator. Returns False when it was paused already."""
    terminal = (
        Terminal.objects.select_for_update()
        .select_related("store__merchant__owner")
        .get(pk=terminal_id)
    )
    if terminal.paused_at is not None:
        return False
    terminal.paused_at = timezone.now()
    terminal.save(update_fields=["paused_at"])
    audit_event_record(
        actor=None, action="terminal.paused", target=terminal, data={"wrong_entries": wrong_entries}
    )
    subject = _("Terminal paused: too many wrong entries")
    body = _(
        "%(terminal)s: %(count)s wrong phone digits, PINs or payment codes were keyed within an "
        "hour, so the terminal takes no payments until it is resumed in the merchant portal."
    ) % {"terminal": str(terminal), "count": wrong_entries}
    operators = User.objects.filter(role=User.Role.OPERATOR, is_active=True).exclude(email="")
    notify(
        to=[terminal.store.merchant.owner.email, *operators.values_list("email", flat=True)],
        subject=subject,
        body=body,
    )
    return True


@transaction.atomic
def terminal_resume(*, actor: User, terminal: Terminal) -> Terminal:
    """The owner or an operator resumes a paused terminal. Raises TerminalForbidden."""
    terminal = (
        Terminal.objects.select_for_update().select_related("store__merchant").get(pk=terminal.pk)
    )
    if not is_owner_of(actor, terminal.store.merchant):
        raise TerminalForbidden(_("You may not manage this terminal."), terminal_id=terminal.pk)
    if terminal.paused_at is not None:
        terminal.paused_at = None
        terminal.save(update_fields=["paused_at"])
        audit_event_record(actor=actor, action="terminal.resumed", target=terminal)
    return terminal
