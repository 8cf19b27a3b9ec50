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
