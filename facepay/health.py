"""Component checks behind /healthz. Each returns a small dict with `ok` and details."""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from facepay.celery import app as celery_app
from facepay.face.engine import get_engine

Check = dict[str, Any]
HEARTBEAT_KEY = "facepay:worker:heartbeat"
logger = logging.getLogger(__name__)


def worker_heartbeat_stamp(hostname: str) -> None:
    """Record that a worker is alive now (the worker calls this every few seconds)."""
    cache.set(
        HEARTBEAT_KEY,
        {"hostname": hostname, "at": time.time()},
        timeout=settings.FACEPAY_WORKER_HEARTBEAT_MAX_AGE,
    )


def worker_heartbeat_start(hostname: str) -> threading.Thread:
    """A daemon thread in the worker's main process that stamps the heartbeat until it dies."""

    def beat() -> None:
        while True:
            try:
                worker_heartbeat_stamp(hostname)
            except Exception as exc:  # Redis down: keep trying, the worker itself waits too
                logger.warning("worker heartbeat not stamped: %s", exc)
            time.sleep(settings.FACEPAY_WORKER_HEARTBEAT_SECONDS)

    thread = threading.Thread(target=beat, name="facepay-heartbeat", daemon=True)
    thread.start()
    return thread


def check_worker() -> Check:
    """A Celery worker stamped its heartbeat lately (red within the max age of its death)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    stamp = cache.get(HEARTBEAT_KEY)
    if not stamp:
        return {"ok": False, "error": "no worker heartbeat", "code": "worker_down"}
    age = round(time.time() - stamp["at"], 1)
    ok = age <= settings.FACEPAY_WORKER_HEARTBEAT_MAX_AGE
    return {"ok": ok, "hostname": stamp["hostname"], "heartbeat_age_s": age}


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_cache() -> Check:
    key, value = f"healthz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    ok = cache.get(key) == value
    cache.delete(key)
    return {"ok": ok, "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def check_celery_broker() -> Check:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"ok": True, "mode": "broker", "transport": conn.transport_cls}


async def _channel_round_trip() -> float:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    nonce = secrets.token_hex(8)
    started = time.perf_counter()
    await layer.send(channel, {"type": "health.ping", "nonce": nonce})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    if message.get("nonce") != nonce:
        raise RuntimeError("channel layer returned a different message")
    return (time.perf_counter() - started) * 1000


def check_channel_layer() -> Check:
    elapsed_ms = async_to_sync(_channel_round_trip)()
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    return {"ok": True, "backend": backend, "round_trip_ms": round(elapsed_ms, 2)}


def check_face_models() -> Check:
    """The configured pack is present, verified and its sessions are loaded in this process."""
    engine = get_engine()
    return {"ok": True, "pack": engine.manifest.name, "model_version": engine.model_version}


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "cache": check_cache,
    "celery_broker": check_celery_broker,
    "channel_layer": check_channel_layer,
    "face_models": check_face_models,
    "worker": check_worker,
}


def register(name: str, check: Callable[[], Check]) -> None:
    """An app adds its own component (payments adds `queue` in its AppConfig.ready)."""
    CHECKS[name] = check


def run_checks() -> tuple[bool, dict[str, Check]]:
    """Run every component check; a check that raises is reported as failed with its error."""
    results: dict[str, Check] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return all(r["ok"] for r in results.values()), results
