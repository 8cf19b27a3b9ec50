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
