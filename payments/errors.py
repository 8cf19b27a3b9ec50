"""Stable refusal codes of payments. A code is public API: never rename one; add a new one."""

from __future__ import annotations

from facepay.errors import FacePayError


class PaymentError(FacePayError):
    code = "payment_error"
    http_status = 400


class LedgerUnbalanced(PaymentError):
    """A programming error caught before anything was written."""

    code, http_status = "ledger_unbalanced", 500


class RecognitionUnavailable(PaymentError):
    """No worker is alive, or Redis is down: a face payment would wait; offer the payment code."""

    code, http_status = "recognition_unavailable", 503


class InsufficientBalance(PaymentError):
    code, http_status = "insufficient_balance", 402


class MerchantBalanceInsufficient(PaymentError):
    code, http_status = "merchant_balance_insufficient", 409


class IdempotencyKeyReused(PaymentError):
    code, http_status = "idempotency_key_reused", 409


class AmountInvalid(PaymentError):
    code, http_status = "amount_invalid", 400


class AmountAboveMaximum(PaymentError):
    code, http_status = "amount_above_maximum", 400


class CurrencyUnsupported(PaymentError):
    code, http_status = "currency_unsupported", 400


class CardInvalid(PaymentError):
    code, http_status = "card_invalid", 400


class CustomerUnknown(PaymentError):
    code, http_status = "customer_unknown", 404


class AttemptNotFound(PaymentError):
    code, http_status = "payment_not_found", 404


class AttemptWrongState(PaymentError):
    """The attempt is not in a state that allows this action (e.g. confirm before a match)."""

    code, http_status = "payment_wrong_state", 409


class AttemptExpired(PaymentError):
    code, http_status = "payment_expired", 410


class FramesInvalid(PaymentError):
    code, http_status = "frames_invalid", 400


class BurstRequired(PaymentError):
    """The old request shape (1-3 stills, optionally a depth map): refused, a still proves no
    live person. Create the attempt, then post a burst recorded under its challenge."""

    code, http_status = "burst_required", 400


class StepUpWrong(PaymentError):
    code, http_status = "step_up_wrong", 403


class TerminalPaused(PaymentError):
    code, http_status = "terminal_paused", 423


class StepUpNotRequired(PaymentError):
    code, http_status = "step_up_not_required", 409


class LimitExceeded(PaymentError):
    code, http_status = "limit_exceeded", 402


class RefundExceedsCaptured(PaymentError):
    code, http_status = "refund_exceeds_captured", 409


class DisputeAlreadyOpen(PaymentError):
    code, http_status = "dispute_already_open", 409


class DisputeNotOpen(PaymentError):
    code, http_status = "dispute_not_open", 409


class NotYourPayment(PaymentError):
    code, http_status = "forbidden", 403


# Decline codes recorded on an attempt (stable, shown to the cashier in plain words).
DECLINE_NO_MATCH = "no_match"
DECLINE_AMBIGUOUS = "ambiguous_match"
DECLINE_NO_CONSENT = "customer_no_consent"
DECLINE_FROZEN = "customer_frozen"
DECLINE_STEP_UP_FAILED = "step_up_failed"
DECLINE_STEP_UP_AMBIGUOUS = "step_up_ambiguous"  # the digits fit two candidates
DECLINE_FACE_PAY_PAUSED = "face_pay_paused"  # too many wrong digits for this customer
DECLINE_INSUFFICIENT_BALANCE = "insufficient_balance"
DECLINE_LIMIT = "limit_exceeded"
DECLINE_ENGINE_UNAVAILABLE = "engine_unavailable"
DECLINE_GALLERY_LOADING = "gallery_loading"  # the worker is still loading the gallery: retry
