"""Credit writes, by what they do: scoring (runs, points-table versions, loan outcomes and the
learned card) and reviews (overrides, contests); the outcomes file parser is credit.outcomes.
Callers import this package."""

from credit.outcomes import (
    MIN_DEFAULTS,
    MIN_REPAID,
    NO,
    OUTCOME_COLUMNS,
    YES,
    ParsedOutcome,
    outcomes_parse,
)
from credit.services.reviews import (
    score_contest_open,
    score_contest_resolve,
    score_override_decide,
    score_override_request,
)
from credit.services.scoring import (
    TIERS,
    _score_row_fields,
    credit_score_compute,
    credit_score_rescore,
    credit_scores_compute,
    credit_scores_compute_now,
    last_complete_month,
    outcomes_upload_and_fit,
    score_model_approve_promotion,
    score_model_request_promotion,
    score_model_revise,
)

__all__ = [
    "MIN_DEFAULTS",
    "MIN_REPAID",
    "NO",
    "OUTCOME_COLUMNS",
    "TIERS",
    "YES",
    "ParsedOutcome",
    "_score_row_fields",
    "credit_score_compute",
    "credit_score_rescore",
    "credit_scores_compute",
    "credit_scores_compute_now",
    "last_complete_month",
    "outcomes_parse",
    "outcomes_upload_and_fit",
    "score_contest_open",
    "score_contest_resolve",
    "score_model_approve_promotion",
    "score_model_request_promotion",
    "score_model_revise",
    "score_override_decide",
    "score_override_request",
]
