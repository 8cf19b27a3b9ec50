"""Demo scores: the last few complete months of the seeded street, so the history chart and
the drift panel have something to show. Idempotent (monthly rows are unique)."""

from __future__ import annotations

from credit import features, services


def seed_scores(*, months: int = 3) -> int:
    """Score every approved merchant for each of the last `months` complete months."""
    latest = services.last_complete_month()
    rows = 0
    for back in range(months - 1, -1, -1):
        rows += len(services.credit_scores_compute(period_start=features.add_months(latest, -back)))
    return rows
