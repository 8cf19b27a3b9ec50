"""The dashboard's live feed (read-only)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from facepay.models import User
from facepay.permissions import user_has_role
from merchants import selectors
from merchants.errors import StoreForbidden
from payments.sales import dashboard
from payments.sales import feed as broadcasts

DASHBOARD_ROLES = (User.Role.MERCHANT_OWNER, User.Role.STORE_STAFF, User.Role.OPERATOR)


def _store_ids_in_scope(user: User, store_id: int | None) -> list[int] | None:
    """The viewer's store ids (one, when asked for); None when that store is not theirs."""
    try:
        return selectors.store_ids_in_scope(user=user, store_id=store_id)
    except StoreForbidden:
        return None


# Today's figures per (store scope, capture): every socket of this process watching the same
# stores shares one computation per captured payment instead of one per socket.
_FIGURES_CACHE: OrderedDict[tuple[tuple[int, ...], str], dashboard.Figures] = OrderedDict()
_FIGURES_CACHE_SIZE = 256


def _today(store_ids: list[int], capture_key: str | None) -> dashboard.Figures:
    key = (tuple(sorted(store_ids)), capture_key or "")
    if capture_key is not None and key in _FIGURES_CACHE:
        _FIGURES_CACHE.move_to_end(key)
        return _FIGURES_CACHE[key]
    today = dashboard.today_local()
    figures = dashboard.figures(store_ids=store_ids, start=today, end=today)
    if capture_key is None:
        return figures
    _FIGURES_CACHE[key] = figures
    while len(_FIGURES_CACHE) > _FIGURES_CACHE_SIZE:
        _FIGURES_CACHE.popitem(last=False)
    return figures


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Joins the store groups its viewer may see (optionally one: ?store=<id>)."""

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if not user_has_role(user, DASHBOARD_ROLES):
            await self.close(code=4403)
            return
        query = self.scope.get("query_string", b"").decode()
        requested = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        wanted = requested.get("store") or ""
        if wanted and not wanted.isdigit():
            await self.close(code=4403)
            return
        store_ids = await database_sync_to_async(_store_ids_in_scope)(
            user, int(wanted) if wanted else None
        )
        if store_ids is None:
            await self.close(code=4403)
            return
        self.store_ids = store_ids
        for store_id in store_ids:
            group = broadcasts.store_group(store_id)
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def payment_status(self, event: dict[str, Any]) -> None:
        attempt = event.get("attempt") or {}
        if attempt.get("status") != "captured":
            return
        capture_key = f"{attempt['id']}:{attempt.get('captured_at')}" if attempt.get("id") else None
        today = await database_sync_to_async(_today)(self.store_ids, capture_key)
        await self.send_json(broadcasts.dashboard_payment_message(attempt=attempt, today=today))
