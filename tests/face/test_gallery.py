"""Gallery add / search / remove, in exact and sign-bit prefilter modes, removal visible at once."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from facepay.face import errors
from facepay.face.gallery import GalleryChange, GalleryIndex, InProcessChangeFeed


def unit_vectors(count: int, *, seed: int = 0, dimension: int = 512) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def noisy(vector: np.ndarray, *, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(vector.shape).astype(np.float32)
    return vector + 0.04 * noise


@pytest.mark.parametrize("exact_limit", [10_000, 100])
def test_gallery_finds_added_key_and_forgets_it_after_removal(exact_limit: int) -> None:
    vectors = unit_vectors(500)
    gallery = GalleryIndex(exact_limit=exact_limit)
    gallery.replace_all((1000 + row, vector) for row, vector in enumerate(vectors))
    assert gallery.uses_prefilter is (exact_limit == 100)
    probe = noisy(vectors[42], seed=1)
    assert gallery.search(probe, k=2)[0].key == 1042
    assert gallery.remove(1042) is True
    assert all(match.key != 1042 for match in gallery.search(probe, k=5))
    assert 1042 not in gallery
    assert len(gallery) == 499
    assert gallery.remove(1042) is False


@pytest.mark.parametrize("exact_limit", [10_000, 100])
def test_gallery_add_replaces_a_key_vector(exact_limit: int) -> None:
    vectors = unit_vectors(300, seed=3)
    gallery = GalleryIndex(exact_limit=exact_limit)
    gallery.replace_all(enumerate(vectors))
    gallery.add(5, vectors[200])  # key 5 re-enrolled with another face
    matches = gallery.search(vectors[200], k=2)
    assert {match.key for match in matches} == {5, 200}
    assert all(match.key != 5 for match in gallery.search(vectors[5], k=1))
    assert len(gallery) == 300


def test_gallery_search_returns_cosine_similarity() -> None:
    gallery = GalleryIndex(dimension=3)
    gallery.add(1, np.array([1.0, 0.0, 0.0]))
    gallery.add(2, np.array([0.0, 2.0, 0.0]))  # normalised on the way in
    matches = gallery.search(np.array([1.0, 1.0, 0.0]), k=2)
    assert [match.key for match in matches] in ([1, 2], [2, 1])
    assert matches[0].similarity == pytest.approx(np.sqrt(0.5), abs=1e-6)


def test_gallery_refuses_wrong_dimension() -> None:
    gallery = GalleryIndex(dimension=512)
    with pytest.raises(errors.GalleryDimensionMismatch):
        gallery.add(1, np.ones(128))


def test_gallery_switches_to_the_prefilter_when_it_grows_and_back_when_it_shrinks() -> None:
    vectors = unit_vectors(150, seed=5)
    gallery = GalleryIndex(exact_limit=100)
    for key, vector in enumerate(vectors):
        gallery.add(key, vector)
    assert gallery.uses_prefilter
    assert gallery.search(vectors[7], k=1)[0].key == 7
    for key in range(100):
        gallery.remove(key)
    assert not gallery.uses_prefilter
    assert gallery.search(vectors[120], k=1)[0].key == 120


def test_prefilter_similarities_are_exact_and_agree_with_exact_search() -> None:
    vectors = unit_vectors(3000, seed=11, dimension=640)
    exact = GalleryIndex(dimension=640, exact_limit=10_000)
    prefiltered = GalleryIndex(dimension=640, exact_limit=100, candidates=64)
    exact.replace_all(enumerate(vectors))
    prefiltered.replace_all(enumerate(vectors))
    assert prefiltered.uses_prefilter
    assert not exact.uses_prefilter
    for row in range(0, 3000, 97):
        probe = 0.6 * vectors[row] + 0.8 * unit_vectors(1, seed=row, dimension=640)[0]
        # The true neighbour is among the candidates, its similarity computed exactly.
        assert prefiltered.search(probe, k=1) == exact.search(probe, k=1)


def test_gallery_change_feed_keeps_two_indexes_in_step() -> None:
    feed = InProcessChangeFeed()
    first, second = GalleryIndex(dimension=4), GalleryIndex(dimension=4)
    feed.subscribe(first.apply)
    feed.subscribe(second.apply)
    feed.publish(GalleryChange("add", 9, np.array([0.0, 1.0, 0.0, 0.0])))
    assert second.search(np.array([0.0, 1.0, 0.0, 0.0]), k=1)[0].key == 9
    feed.publish(GalleryChange("remove", 9))
    assert len(first) == len(second) == 0


def test_gallery_is_safe_under_concurrent_writers_and_readers() -> None:
    vectors = unit_vectors(400, seed=8)
    gallery = GalleryIndex(exact_limit=150)
    failures: list[BaseException] = []

    def write(offset: int) -> None:
        for key in range(offset, 400, 4):
            gallery.add(key, vectors[key])

    def read() -> None:
        try:
            for row in range(200):
                gallery.search(vectors[row], k=2)
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(offset,)) for offset in range(4)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(gallery) == 400
    assert gallery.search(vectors[321], k=1)[0].key == 321
