"""The dashboard's live feed (read-only)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from facepay.models import User
from facepay.permissions import user_has_role
from merchants import broadcasts, dashboard, selectors

DASHBOARD_ROLES = (User.Role.MERCHANT_OWNER, User.Role.STORE_STAFF, User.Role.OPERATOR)


def _visible_store_ids(user: User) -> list[int]:
    user = User.objects.filter(pk=user.pk, is_active=True).first()  # as it is now, not at connect
    if user is None:
        return []
    return list(selectors.store_list_for_user(user=user).values_list("id", flat=True))


def _today(store_ids: list[int]) -> dashboard.Figures:
    today = dashboard.today_local()
    return dashboard.figures(store_ids=store_ids, start=today, end=today)


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Joins the store groups its viewer may see (optionally one: ?store=<id>)."""

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if not user_has_role(user, DASHBOARD_ROLES):
            await self.close(code=4403)
            return
        store_ids = await database_sync_to_async(_visible_store_ids)(user)
        query = self.scope.get("query_string", b"").decode()
        requested = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        if wanted := requested.get("store"):
            if not wanted.isdigit() or int(wanted) not in store_ids:
                await self.close(code=4403)
                return
            store_ids = [int(wanted)]
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
        if getattr(self, "is_closing", False):
            return
        attempt = event.get("attempt") or {}
        # The viewer is authorised again on each event: a cashier taken off the store, or a
        # deactivated user, is cut off at once (4403) rather than when they reconnect.
        visible = await database_sync_to_async(_visible_store_ids)(self.scope["user"])
        if attempt.get("store_id") not in visible:
            self.is_closing = True
            await self.close(code=4403)
            return
        if attempt.get("status") != "captured":
            return
        today = await database_sync_to_async(_today)(self.store_ids)
        await self.send_json(broadcasts.dashboard_payment_message(attempt=attempt, today=today))
