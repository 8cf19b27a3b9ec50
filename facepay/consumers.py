"""The operators' live feed (read-only)."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from facepay import broadcasts
from facepay.permissions import user_has_role

OPERATOR_ROLES = ("operator",)


class OpsFeedConsumer(AsyncJsonWebsocketConsumer):
    """Forwards platform events to signed-in operators."""

    async def connect(self) -> None:
        if not user_has_role(self.scope.get("user"), OPERATOR_ROLES):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(broadcasts.OPS_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(broadcasts.OPS_GROUP, self.channel_name)

    async def ops_ping(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items()})
