"""Refusals of the credit app; every `code` is public API."""

from __future__ import annotations

from facepay.errors import FacePayError, OutOfScope


class NotAllowed(FacePayError):
    code, http_status = "credit_not_allowed", 403


class ScoreNotVisible(OutOfScope):
    """A merchant asking for another merchant's score (answered like a missing one)."""

    code, http_status = "credit_score_not_visible", 404


class NoScoreYet(FacePayError):
    code, http_status = "credit_no_score_yet", 409


class OverrideJustificationMissing(FacePayError):
    code, http_status = "override_justification_missing", 400


class OverrideTierInvalid(FacePayError):
    code, http_status = "override_tier_invalid", 400


class OverridePending(FacePayError):
    code, http_status = "override_already_pending", 409


class OverrideSelfApproval(FacePayError):
    code, http_status = "override_self_approval", 403


class OverrideAlreadyDecided(FacePayError):
    code, http_status = "override_already_decided", 409


class ContestMessageMissing(FacePayError):
    code, http_status = "contest_message_missing", 400


class ContestAlreadyResolved(FacePayError):
    code, http_status = "contest_already_resolved", 409


class ScoreTableInvalid(FacePayError):
    code, http_status = "score_table_invalid", 400


class PromotionSelfApproval(FacePayError):
    code, http_status = "promotion_self_approval", 403


class PromotionNotRequested(FacePayError):
    code, http_status = "promotion_not_requested", 409


class OutcomesFileInvalid(FacePayError):
    code, http_status = "outcomes_file_invalid", 400


class OutcomesUnknownCreditCodes(FacePayError):
    code, http_status = "outcomes_unknown_credit_codes", 400


class OutcomesBadDates(FacePayError):
    code, http_status = "outcomes_bad_dates", 400


class OutcomesNonBinary(FacePayError):
    code, http_status = "outcomes_non_binary", 400


class OutcomesBadAmounts(FacePayError):
    code, http_status = "outcomes_bad_amounts", 400


class OutcomesTooFewDefaults(FacePayError):
    code, http_status = "outcomes_too_few_defaults", 400
