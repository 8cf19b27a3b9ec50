"""The process-wide 1:N gallery of enrolled customers (keys are customer ids).

The database is the truth. Every template change bumps `GalleryState.version` under its row
lock inside the changing transaction and appends a `GalleryChange(version, customer_id)` row, so
versions commit in order and without gaps. Before each search a process reads the latest change
row (by its unique version index) and, when it moved, refreshes just the customers that changed
since its own version; if the change rows are incomplete it rebuilds from the database. This
works the same in every process (ASGI server, Celery workers) and in embedded mode, needs no
extra service, and a removal committed before a search is never missed by that search. The
process that made a change also applies it right after commit.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from functools import cache

import numpy as np
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from customers import sealing
from customers.models import FaceTemplate, GalleryChange, GalleryState
from facepay.face.config import get_config
from facepay.face.gallery import GalleryIndex, Match
from facepay.face.pack import load_manifest

logger = logging.getLogger(__name__)

_lock = threading.RLock()
_index: GalleryIndex | None = None
_version: int | None = None
_stamp: tuple[int, datetime | None] | None = None
_loader_lock = threading.Lock()
_loader: threading.Thread | None = None


class GalleryLoading(Exception):
    """The index is being loaded (or rebuilt) and was not ready within the caller's wait."""


@cache
def current_model_version() -> str:
    """pack@embedder-hash of the configured pack: only templates of this version are searched."""
    return load_manifest(get_config().pack).model_version


def _database_stamp() -> tuple[int, datetime | None]:
    # The latest change's time guards against a version number reused after a rollback.
    latest = GalleryChange.objects.order_by("-version").values_list("version", "created_at").first()
    return (int(latest[0]), latest[1]) if latest else (0, None)


def _vector_of(template: FaceTemplate) -> np.ndarray | None:
    customer = template.customer
    if customer.closed_at is not None or template.model_version != current_model_version():
        return None
    try:
        data_key = sealing.customer_data_key(customer)
        if data_key is None:
            return None
        return sealing.unseal_embedding(data_key=data_key, template=template)
    except (InvalidTag, ImproperlyConfigured):
        # A key outside the ring or a tampered row: never searchable, loudly.
        logger.error("face template of customer %s cannot be opened", template.customer_id)
        return None


def _templates():
    return FaceTemplate.objects.select_related("customer")


def _rebuild(stamp: tuple[int, datetime | None]) -> None:
    global _index, _version, _stamp
    # The stamp is read before the templates: later changes are re-applied, never lost.
    dimension = load_manifest(get_config().pack).embedding_dimension
    # Decrypted straight into the index's own arrays (one copy per process: 2.5 KiB a 640-d
    # template); a template added since the count grows them.
    capacity = max(FaceTemplate.objects.count(), 1024)
    vectors = np.zeros((capacity, dimension), dtype=np.float32)
    keys = np.zeros(capacity, dtype=np.int64)
    count = 0
    for template in _templates().iterator(chunk_size=2000):
        vector = _vector_of(template)
        if vector is None or vector.shape != (dimension,):
            continue
        if count == len(vectors):
            vectors = np.concatenate([vectors, np.zeros_like(vectors[: count // 4 + 1])])
            keys = np.concatenate([keys, np.zeros_like(keys[: count // 4 + 1])])
        vectors[count], keys[count] = vector, template.customer_id
        count += 1
    index = GalleryIndex(dimension=dimension)
    index.load(keys, vectors, count=count)
    _index, _version, _stamp = index, stamp[0], stamp


def _refresh_customer(customer_id: int) -> None:
    assert _index is not None  # noqa: S101 - only called after a rebuild
    template = _templates().filter(customer_id=customer_id).first()
    vector = _vector_of(template) if template is not None else None
    if vector is None:
        _index.remove(customer_id)
    else:
        _index.add(customer_id, vector)


def sync(*, wait_seconds: float | None = None) -> None:
    """Bring this process's index up to the database's gallery version (cheap when current).

    `wait_seconds` bounds the wait for another thread's load or rebuild (GalleryLoading past it);
    None waits as long as it takes."""
    stamp = _database_stamp()
    if not _lock.acquire(timeout=-1 if wait_seconds is None else max(wait_seconds, 0.0)):
        raise GalleryLoading
    try:
        _sync_locked(stamp)
    finally:
        _lock.release()


def _sync_locked(stamp: tuple[int, datetime | None]) -> None:
    global _version, _stamp
    version = stamp[0]
    if stamp == _stamp:
        return
    if _index is None or _version is None or version <= _version:
        _rebuild(stamp)
        return
    changed = list(
        GalleryChange.objects.filter(version__gt=_version, version__lte=version)
        .order_by("version")
        .values_list("customer_id", flat=True)
    )
    if len(changed) != version - _version:
        _rebuild(stamp)
        return
    for customer_id in dict.fromkeys(changed):
        _refresh_customer(customer_id)
    _version, _stamp = version, stamp


def _load_and_close() -> None:
    try:
        sync()
    except Exception:  # the next search starts it again and reports the cause
        logger.exception("gallery load in the background failed")
    finally:
        connection.close()  # this thread's own connection


def load_in_background() -> threading.Thread:
    """Start loading this process's index in a thread of its own (one at a time); the thread."""
    global _loader
    with _loader_lock:
        if _loader is None or not _loader.is_alive():
            _loader = threading.Thread(target=_load_and_close, name="gallery-warm", daemon=True)
            _loader.start()
        return _loader


def search(embedding: np.ndarray, *, k: int = 2, wait_seconds: float | None = None) -> list[Match]:
    """Top-k customers by cosine similarity after syncing with the database.

    The index never answers from a partial gallery (that could accept the wrong customer, or
    miss the right one). With `wait_seconds` a search that finds the index still loading (a
    worker's start, or a rebuild) waits that long, restarting the background load if
    it failed, then raises GalleryLoading instead of waiting for the whole load; None waits.
    """
    if wait_seconds is not None and _index is None and _loader is not None:
        # This process loads in the background (a worker's start): wait a bounded time for
        # it (restarting it if it failed). A process that never started one loads right here.
        load_in_background().join(timeout=wait_seconds)
        if _index is None:
            raise GalleryLoading
    sync(wait_seconds=wait_seconds)
    if not _lock.acquire(timeout=-1 if wait_seconds is None else max(wait_seconds, 0.0)):
        raise GalleryLoading
    try:
        if _index is None:  # forgotten between the sync and here
            raise GalleryLoading
        return _index.search(embedding, k=k)
    finally:
        _lock.release()


def apply_now(customer_id: int) -> None:
    """After our own commit: apply the change here at once (other processes sync on search)."""
    sync()


def size(*, wait_seconds: float | None = None) -> int:
    sync(wait_seconds=wait_seconds)
    with _lock:
        return len(_index) if _index is not None else 0


def bump(customer_id: int) -> int:
    """Inside the changing transaction: take the version lock, record the change, return it."""
    GalleryState.objects.get_or_create(pk=1)
    state = GalleryState.objects.select_for_update().get(pk=1)
    state.version += 1
    state.save(update_fields=["version"])
    GalleryChange.objects.create(version=state.version, customer_id=customer_id)
    return state.version


def forget() -> None:
    """Drop this process's index (tests, or after the key ring changed); rebuilt on next use."""
    global _index, _version, _stamp, _loader
    with _lock:
        _index, _version, _stamp = None, None, None
    _loader = None
    current_model_version.cache_clear()
