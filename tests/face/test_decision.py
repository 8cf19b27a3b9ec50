"""The decision rule never names "the nearest person": threshold and margin both hold."""

from __future__ import annotations

import pytest

from facepay.face.decision import Outcome, decide
from facepay.face.gallery import Match


def test_decide_accepts_a_clear_top_1() -> None:
    decision = decide([Match(7, 0.62), Match(9, 0.21)], threshold=0.34, margin=0.08)
    assert decision.outcome is Outcome.MATCH
    assert decision.key == 7
    assert decision.margin == pytest.approx(0.41)


def test_decide_refuses_an_ambiguous_margin() -> None:
    decision = decide([Match(7, 0.62), Match(9, 0.58)], threshold=0.34, margin=0.08)
    assert decision.outcome is Outcome.AMBIGUOUS
    assert decision.key is None
    assert decision.is_match is False


def test_decide_refuses_below_threshold() -> None:
    decision = decide([Match(7, 0.30)], threshold=0.34, margin=0.08)
    assert decision.outcome is Outcome.NO_MATCH
    assert decision.key is None


def test_decide_on_empty_gallery_is_no_match() -> None:
    decision = decide([], threshold=0.34, margin=0.08)
    assert (decision.outcome, decision.similarity) == (Outcome.NO_MATCH, None)


def test_decide_with_one_enrolled_person_uses_the_threshold() -> None:
    decision = decide([Match(3, 0.5)], threshold=0.34, margin=0.08)
    assert decision.outcome is Outcome.MATCH


def _bands(matches, *, gallery_size=10, gallery_limit=100):  # type: ignore[no-untyped-def]
    from facepay.face.decision import decide_bands

    return decide_bands(
        matches,
        accept_threshold=0.6,
        accept_margin=0.1,
        step_up_threshold=0.3,
        top_k=3,
        gallery_size=gallery_size,
        gallery_limit=gallery_limit,
    )


def test_three_bands_accept_step_up_among_top_k_and_decline() -> None:
    from facepay.face.decision import Band
    from facepay.face.gallery import Match

    sure = _bands([Match(1, 0.8), Match(2, 0.2)])
    assert (sure.band, sure.key, sure.candidates) == (Band.ACCEPT, 1, ())
    unsure = _bands([Match(1, 0.5), Match(2, 0.45), Match(3, 0.31), Match(4, 0.29)])
    assert (unsure.band, unsure.key, unsure.candidates) == (Band.STEP_UP, None, (1, 2, 3))
    assert unsure.reason == "score"
    close = _bands([Match(1, 0.8), Match(2, 0.75)])
    assert (close.band, close.candidates, close.reason) == (Band.STEP_UP, (1, 2), "margin")
    large = _bands([Match(1, 0.8), Match(2, 0.2)], gallery_size=100)
    assert (large.band, large.candidates, large.reason) == (Band.STEP_UP, (1,), "gallery_size")
    low = _bands([Match(1, 0.29)])
    assert (low.band, low.key, low.candidates) == (Band.DECLINE, None, ())
    assert _bands([]).band is Band.DECLINE
