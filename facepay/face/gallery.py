"""In-memory 1:N gallery: exact inner product when small, sign-bit prefilter + exact rerank when
large.

Keys are ints (template or customer ids); vectors are L2-normalised, so inner product is cosine.
Each row also keeps the sign bits of its first `PREFILTER_BITS` components (32 bytes). Above
`exact_limit` templates a search ranks every row by Hamming distance of those bits to the probe's
(faiss `knn_hamming`, one thread), takes the `PREFILTER_CANDIDATES` nearest and ranks them by the
exact cosine, so every similarity returned is exact and only the candidate set is approximate.
`bench/face_engine.py` measures both modes at 10 k, 100 k and 1 M templates (docs/benchmarks.md,
issue 16): the prefilter's recall@1 against exact search was 1.000 at every size, and the switch
size is where exact search stops being the cheaper of the two.
Removal is immediate in both modes: a removed row leaves the arrays at once (the last row moves
into its place), there is no separate index to go stale.
The database part (rebuild at start) and cross-process notification live with the customers app:
they feed `replace_all` and a `ChangeFeed`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

import faiss
import numpy as np

from facepay.face import errors

# Chosen from bench/face_engine.py (docs/benchmarks.md, issue 16): below this exact search is as
# fast as the prefilter and needs no candidate cut.
DEFAULT_EXACT_LIMIT = 10_000
PREFILTER_BITS = 256  # sign bits of the first 256 components: 32 bytes a template
PREFILTER_CANDIDATES = 256  # reranked exactly; the bench's probes all had their source in here
# One thread per search: the platform scales with processes, and OpenMP threads spinning on a
# busy machine made a 1 M search 10 times slower in the bench.
faiss.omp_set_num_threads(1)


@dataclass(frozen=True)
class Match:
    key: int
    similarity: float  # cosine, -1..1


@dataclass(frozen=True)
class GalleryChange:
    action: Literal["add", "remove", "reset"]
    key: int | None = None
    vector: np.ndarray | None = None  # for "add"; a feed may omit it and let the loader fetch


class ChangeFeed(Protocol):
    """How processes tell each other about enrolments and withdrawals (Redis in production)."""

    def publish(self, change: GalleryChange) -> None: ...

    def subscribe(self, callback: Callable[[GalleryChange], None]) -> None: ...


class InProcessChangeFeed:
    """Embedded mode: every subscriber in this process hears every change synchronously."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[GalleryChange], None]] = []
        self._lock = threading.Lock()

    def publish(self, change: GalleryChange) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback(change)

    def subscribe(self, callback: Callable[[GalleryChange], None]) -> None:
        with self._lock:
            self._callbacks.append(callback)


def _unit(vector: np.ndarray, dimension: int) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    if array.shape[0] != dimension:
        raise errors.GalleryDimensionMismatch(
            f"Expected a {dimension}-d vector, got {array.shape[0]}-d.",
            expected=dimension,
            actual=int(array.shape[0]),
        )
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else array


def _sign_bits(vectors: np.ndarray, bits: int) -> np.ndarray:
    """Packed sign bits of the first `bits` components of each row (uint8, bits/8 per row)."""
    return np.packbits(np.asarray(vectors)[:, :bits] > 0, axis=1)


class GalleryIndex:
    """Thread-safe key -> unit vector index with top-k cosine search."""

    def __init__(
        self,
        *,
        dimension: int = 512,
        exact_limit: int = DEFAULT_EXACT_LIMIT,
        prefilter_bits: int = PREFILTER_BITS,
        candidates: int = PREFILTER_CANDIDATES,
    ) -> None:
        self.dimension = dimension
        self.exact_limit = exact_limit
        self._bits = min(prefilter_bits, dimension) // 8 * 8  # whole bytes of sign bits
        self._candidates = candidates
        self._lock = threading.RLock()
        self._vectors = np.zeros((0, dimension), dtype=np.float32)  # rows [0, _count) are live
        self._codes = np.zeros((0, self._bits // 8), dtype=np.uint8)  # same rows, sign bits
        self._keys = np.zeros(0, dtype=np.int64)
        self._count = 0
        self._row_of: dict[int, int] = {}

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: object) -> bool:
        return key in self._row_of

    @property
    def uses_prefilter(self) -> bool:
        """True when a search ranks sign-bit candidates (the gallery is above the exact limit)."""
        return self._bits > 0 and self._count > self.exact_limit

    @property
    def memory_bytes(self) -> int:
        """Bytes held by the vectors, sign bits and keys (allocated capacity, not just rows)."""
        return self._vectors.nbytes + self._codes.nbytes + self._keys.nbytes

    def _allocate(self, capacity: int) -> None:
        vectors = np.zeros((capacity, self.dimension), dtype=np.float32)
        codes = np.zeros((capacity, self._bits // 8), dtype=np.uint8)
        keys = np.zeros(capacity, dtype=np.int64)
        vectors[: self._count] = self._vectors[: self._count]
        codes[: self._count] = self._codes[: self._count]
        keys[: self._count] = self._keys[: self._count]
        self._vectors, self._codes, self._keys = vectors, codes, keys

    def _grow(self, needed: int) -> None:
        if needed > len(self._vectors):
            self._allocate(max(needed, len(self._vectors) + len(self._vectors) // 4, 1024))

    def _remove_row(self, key: int) -> None:
        row = self._row_of.pop(key)
        last = self._count - 1
        if row != last:  # move the last row into the hole
            moved_key = int(self._keys[last])
            self._vectors[row] = self._vectors[last]
            self._codes[row] = self._codes[last]
            self._keys[row] = moved_key
            self._row_of[moved_key] = row
        self._count = last

    def replace_all(self, items: Iterable[tuple[int, np.ndarray]]) -> None:
        """Replace the whole content (process start, or after a missed change). Last key wins."""
        latest: dict[int, np.ndarray] = {}
        for key, vector in items:
            latest[int(key)] = _unit(vector, self.dimension)
        vectors = np.zeros((max(len(latest), 1024), self.dimension), dtype=np.float32)
        keys = np.zeros(len(vectors), dtype=np.int64)
        for row, (key, vector) in enumerate(latest.items()):
            vectors[row] = vector
            keys[row] = key
        self.load(keys, vectors, count=len(latest))

    def load(self, keys: np.ndarray, vectors: np.ndarray, *, count: int) -> None:
        """Replace the whole content with rows [0, count) of these arrays, which the index takes
        over (no copy: a worker loading 1 M templates holds them once). Keys must be unique."""
        if vectors.dtype != np.float32 or vectors.shape[1:] != (self.dimension,):
            raise errors.GalleryDimensionMismatch(
                f"Expected {self.dimension}-d float32 rows.",
                expected=self.dimension,
                actual=int(vectors.shape[1]) if vectors.ndim == 2 else 0,
            )
        codes = np.zeros((len(vectors), self._bits // 8), dtype=np.uint8)
        for start in range(0, count, 65_536):  # bounded temporaries
            end = min(start + 65_536, count)
            norms = np.linalg.norm(vectors[start:end], axis=1, keepdims=True)
            vectors[start:end] /= np.where(norms > 0, norms, 1)
            codes[start:end] = _sign_bits(vectors[start:end], self._bits)
        row_of = {int(key): row for row, key in enumerate(keys[:count].tolist())}
        if len(row_of) != count:
            raise ValueError("gallery keys must be unique")
        with self._lock:
            self._vectors, self._codes, self._keys = vectors, codes, keys
            self._count = count
            self._row_of = row_of

    def add(self, key: int, vector: np.ndarray) -> None:
        """Insert or replace one key's vector; searchable when this returns."""
        unit = _unit(vector, self.dimension)
        code = _sign_bits(unit[None], self._bits)[0]
        key = int(key)
        with self._lock:
            if key in self._row_of:
                self._remove_row(key)
            self._grow(self._count + 1)
            self._vectors[self._count] = unit
            self._codes[self._count] = code
            self._keys[self._count] = key
            self._row_of[key] = self._count
            self._count += 1

    def remove(self, key: int) -> bool:
        """Remove a key at once (withdrawn consent); False when it was not there."""
        with self._lock:
            if int(key) not in self._row_of:
                return False
            self._remove_row(int(key))
            return True

    def apply(self, change: GalleryChange) -> None:
        """Apply a change heard on a ChangeFeed (an "add" must carry its vector)."""
        if change.action == "reset":
            self.replace_all([])
        elif change.action == "remove" and change.key is not None:
            self.remove(change.key)
        elif change.action == "add" and change.key is not None and change.vector is not None:
            self.add(change.key, change.vector)

    def _candidate_rows(self, query: np.ndarray) -> np.ndarray:
        code = _sign_bits(query[None], self._bits)
        take = min(self._candidates, self._count)
        _distances, rows = faiss.knn_hamming(code, self._codes[: self._count], take)
        found = rows[0]
        return found[found >= 0]

    def search(self, vector: np.ndarray, *, k: int = 2) -> list[Match]:
        """Top-k keys by cosine similarity, best first (fewer when the gallery is smaller)."""
        query = _unit(vector, self.dimension)
        with self._lock:
            if self._count == 0:
                return []
            if self.uses_prefilter:
                rows = self._candidate_rows(query)
                similarities = self._vectors[rows] @ query
            else:
                rows = np.arange(self._count)
                similarities = self._vectors[: self._count] @ query
            take = min(k, len(rows))
            top = np.argpartition(-similarities, take - 1)[:take]
            top = top[np.argsort(-similarities[top])]
            return [
                Match(key=int(self._keys[rows[at]]), similarity=float(similarities[at]))
                for at in top
            ]
