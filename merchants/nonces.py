"""Single use of a terminal request's nonce, across processes and restarts, in one round trip.

Which store: with Redis configured (production), `SET key 1 NX EX window` in Redis (Django's
RedisCache.add is exactly that): every web process on every machine sees it, it outlives a
restart of the web processes, expires by itself, and puts no write on the ledger's database
(one INSERT per signed request would be a WAL flush each and a table to purge). It outlives a
restart of Redis only with Redis persistence on, and no nonce may be evicted early: run that
Redis with `appendonly yes` and a `noeviction` (or `volatile-*`-free) memory policy (README).
Without Redis (embedded mode) the Django cache is this process's memory, which a restart
forgets and a second process never sees, so the nonce goes into the database instead: one
`INSERT … ON CONFLICT DO NOTHING` whose row count says whether it was new.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from merchants.models import TerminalNonce

PURGE_EVERY_SECONDS = 60.0  # per process: one DELETE of expired rows at most this often
_last_purge = time.monotonic()


def window_seconds() -> int:
    """How long a nonce is remembered: past it the timestamp check refuses the request anyway."""
    return 2 * settings.FACEPAY_TERMINAL_CLOCK_SKEW_SECONDS + 60


def cache_key(terminal_id: int, nonce: str) -> str:
    return f"merchants:terminal-nonce:{terminal_id}:{nonce}"


def nonce_claim(*, terminal_id: int, nonce: str, now: datetime) -> bool:
    """True the first time this terminal presents this nonce inside the window, else False."""
    if settings.REDIS_URL:
        return bool(cache.add(cache_key(terminal_id, nonce), 1, timeout=window_seconds()))
    _purge_expired(now)
    table = TerminalNonce._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (terminal_id, nonce, used_at) VALUES (%s, %s, %s) "  # noqa: S608 - our own table name
            "ON CONFLICT (terminal_id, nonce) DO NOTHING",
            [terminal_id, nonce, connection.ops.adapt_datetimefield_value(now)],
        )
        return cursor.rowcount == 1


def _purge_expired(now: datetime) -> None:
    global _last_purge
    if time.monotonic() - _last_purge < PURGE_EVERY_SECONDS:
        return
    _last_purge = time.monotonic()
    expired = now - timedelta(seconds=window_seconds())
    with (
        connection.cursor() as cursor
    ):  # one statement (the ORM's delete wraps it in a transaction)
        cursor.execute(
            f"DELETE FROM {TerminalNonce._meta.db_table} WHERE used_at < %s",  # noqa: S608 - our own table name
            [connection.ops.adapt_datetimefield_value(expired)],
        )
