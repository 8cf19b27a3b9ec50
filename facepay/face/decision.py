"""Open-set decision rule: accept the top-1 only if it is both close enough and clearly ahead."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from facepay.face.gallery import Match


class Outcome(StrEnum):
    MATCH = "match"
    NO_MATCH = "no_match"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    key: int | None  # the accepted key; None unless outcome is MATCH
    similarity: float | None  # top-1 cosine; None for an empty gallery
    runner_up_similarity: float | None
    margin: float | None  # top-1 minus top-2 (top-1 minus -1 when there is no runner-up)
    threshold: float
    required_margin: float

    @property
    def is_match(self) -> bool:
        return self.outcome is Outcome.MATCH


def decide(matches: list[Match], *, threshold: float, margin: float) -> Decision:
    """Match only if top-1 >= threshold and top-1 - top-2 >= margin; never "the nearest person".

    `matches` is a search answer, best first. Below the threshold -> no_match; above it but
    too close to the runner-up -> ambiguous.
    """
    if not matches:
        return Decision(Outcome.NO_MATCH, None, None, None, None, threshold, margin)
    best = matches[0]
    runner_up = matches[1].similarity if len(matches) > 1 else None
    gap = best.similarity - (runner_up if runner_up is not None else -1.0)
    if best.similarity < threshold:
        outcome = Outcome.NO_MATCH
    elif gap < margin:
        outcome = Outcome.AMBIGUOUS
    else:
        outcome = Outcome.MATCH
    return Decision(
        outcome=outcome,
        key=best.key if outcome is Outcome.MATCH else None,
        similarity=best.similarity,
        runner_up_similarity=runner_up,
        margin=gap,
        threshold=threshold,
        required_margin=margin,
    )


class Band(StrEnum):
    ACCEPT = "accept"  # sure: the top-1, no digits
    STEP_UP = "step_up"  # unsure: the phone digits pick one of the candidates
    DECLINE = "decline"  # below the band: the payment code is offered


@dataclass(frozen=True)
class BandDecision:
    band: Band
    key: int | None  # the accepted key (ACCEPT only)
    candidates: tuple[int, ...]  # keys in the step-up band, best first (STEP_UP only)
    similarity: float | None
    margin: float | None
    reason: str  # why digits are asked: "score", "margin", "gallery_size"; "" otherwise


def decide_bands(
    matches: list[Match],
    *,
    accept_threshold: float,
    accept_margin: float,
    step_up_threshold: float,
    top_k: int,
    gallery_size: int,
    gallery_limit: int | None,
) -> BandDecision:
    """Three bands. Accept only when the top-1 is high, clearly ahead of the runner-up and the
    gallery is below its limit; otherwise, when the top-1 reaches the step-up band, ask for the
    digits among the top-k in the band; below it, decline (never "the nearest person")."""
    if not matches or matches[0].similarity < step_up_threshold:
        similarity = matches[0].similarity if matches else None
        return BandDecision(Band.DECLINE, None, (), similarity, None, "")
    best = matches[0]
    runner_up = matches[1].similarity if len(matches) > 1 else -1.0
    gap = best.similarity - runner_up
    reason = ""
    if best.similarity < accept_threshold:
        reason = "score"
    elif gap < accept_margin:
        reason = "margin"
    elif gallery_limit is not None and gallery_size >= gallery_limit:
        reason = "gallery_size"
    if not reason:
        return BandDecision(Band.ACCEPT, best.key, (), best.similarity, gap, "")
    candidates = tuple(
        match.key for match in matches[: max(top_k, 1)] if match.similarity >= step_up_threshold
    )
    return BandDecision(Band.STEP_UP, None, candidates, best.similarity, gap, reason)
