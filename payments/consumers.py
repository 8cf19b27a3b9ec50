"""Read-only live status feeds: a terminal screen, a store screen, a customer's own phone."""

from __future__ import annotations

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from customers import selectors as customer_selectors
from facepay.models import User
from merchants import selectors as merchant_selectors
from payments import broadcasts, selectors

logger = logging.getLogger(__name__)


def _current_user(user: User | None) -> User | None:
    """The viewer as the database has them now (a socket outlives role and staff changes)."""
    if not (user and user.is_authenticated):
        return None
    return User.objects.filter(pk=user.pk, is_active=True).first()


def _store_visible(user: User | None, store_id: int) -> bool:
    current = _current_user(user)
    if current is None:
        return False
    return merchant_selectors.store_list_for_user(user=current).filter(pk=store_id).exists()


def _customer_id(user: User | None) -> int | None:
    current = _current_user(user)
    if current is None or current.role != User.Role.CUSTOMER:
        return None
    return customer_selectors.customer_id_for_user(user=current)


def _terminal_visible(user: User | None, terminal_id: int) -> bool:
    user = _current_user(user)
    return user is not None and selectors.terminal_is_visible_to(user=user, terminal_id=terminal_id)


class PaymentStatusConsumer(AsyncJsonWebsocketConsumer):
    """Base: authorise in connect, join one group, forward `payment.status` events; the viewer
    is authorised again on each event, and a socket they may no longer see is closed (4403)."""

    group_name: str | None = None
    is_closing = False

    async def group_for(self) -> str | None:
        raise NotImplementedError

    async def connect(self) -> None:
        group = await self.group_for()
        if group is None:
            await self.close(code=4403)
            return
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception as exc:  # Redis is down: refuse the handshake; the screen retries
            logger.warning("socket refused, channel layer unavailable: %s", exc)
            await self.close(code=1013)  # "try again later"
            return
        self.group_name = group
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group_name:  # unset when connect was refused
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def payment_status(self, event: dict[str, Any]) -> None:  # receives "payment.status"
        if self.is_closing:
            return
        if await self.group_for() != self.group_name:
            self.is_closing = True
            await self.close(code=4403)
            return
        await self.send_json({"type": event["type"], "attempt": event["attempt"]})


class TerminalStatusConsumer(PaymentStatusConsumer):
    """ws/payments/terminal/<id>/: the cashier of that store, its owner, or an operator."""

    async def group_for(self) -> str | None:
        terminal_id = int(self.scope["url_route"]["kwargs"]["terminal_id"])
        allowed = await database_sync_to_async(_terminal_visible)(
            self.scope.get("user"), terminal_id
        )
        return broadcasts.terminal_group(terminal_id) if allowed else None


class StoreStatusConsumer(PaymentStatusConsumer):
    """ws/payments/store/<id>/: everyone who may see that store."""

    async def group_for(self) -> str | None:
        store_id = int(self.scope["url_route"]["kwargs"]["store_id"])
        allowed = await database_sync_to_async(_store_visible)(self.scope.get("user"), store_id)
        return broadcasts.store_group(store_id) if allowed else None


class CustomerStatusConsumer(PaymentStatusConsumer):
    """ws/payments/customer/: the signed-in customer's own payments."""

    async def group_for(self) -> str | None:
        customer_id = await database_sync_to_async(_customer_id)(self.scope.get("user"))
        return broadcasts.customer_group(customer_id) if customer_id else None
