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


def _store_visible(user: User, store_id: int) -> bool:
    if not (user and user.is_authenticated):
        return False
    return merchant_selectors.store_list_for_user(user=user).filter(pk=store_id).exists()


def _customer_id(user: User) -> int | None:
    if not (user and user.is_authenticated and user.role == User.Role.CUSTOMER):
        return None
    return customer_selectors.customer_id_for_user(user=user)


class PaymentStatusConsumer(AsyncJsonWebsocketConsumer):
    """Base: authorise in connect, join one group, forward `payment.status` events."""

    group_name: str | None = None

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
        await self.send_json({"type": event["type"], "attempt": event["attempt"]})


class TerminalStatusConsumer(PaymentStatusConsumer):
    """ws/payments/terminal/<id>/: the cashier of that store, its owner, or an operator."""

    async def group_for(self) -> str | None:
        terminal_id = int(self.scope["url_route"]["kwargs"]["terminal_id"])
        user = self.scope.get("user")
        allowed = await database_sync_to_async(selectors.terminal_is_visible_to)(
            user=user, terminal_id=terminal_id
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
