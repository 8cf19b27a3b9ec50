"""Group names and payloads of the operators' live feed."""

from __future__ import annotations

import os
import socket

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

OPS_GROUP = "ops"


def ops_ping(*, nonce: str) -> None:
    """Send `ops.ping` to every open operations page, naming the process that sent it."""
    event = {"type": "ops.ping", "nonce": nonce, "host": socket.gethostname(), "pid": os.getpid()}
    async_to_sync(get_channel_layer().group_send)(OPS_GROUP, event)
