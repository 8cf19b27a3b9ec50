"""Every payments write: wallets (top-ups and withdrawals), attempts (creation, recognition,
decision and step-up, capture, expiry), refunds and disputes, settlement."""

from payments.services.capture import payment_attempt_cancel, payment_attempt_confirm
from payments.services.creation import (
    payment_attempt_burst_submit,
    payment_attempt_create,
    payment_attempt_create_with_code,
)
from payments.services.decision import (
    payment_attempt_ask_digits,
    payment_attempt_decide,
    payment_attempt_step_up,
)
from payments.services.expiry import payment_attempts_expire
from payments.services.recognition import (
    payment_attempt_identify,
    payment_attempt_liveness_refuse,
    payment_attempt_recognise,
    probe_frames,
)
from payments.services.recovery import payment_attempts_redrive, recognition_require_available
from payments.services.refunds import dispute_decide, dispute_open, refund_create
from payments.services.settlement import settlement_batch_create, settlement_cutoff, settlement_run
from payments.services.wallets import wallet_top_up, wallet_withdraw

__all__ = [
    "dispute_decide",
    "dispute_open",
    "payment_attempt_ask_digits",
    "payment_attempt_burst_submit",
    "payment_attempt_cancel",
    "payment_attempt_confirm",
    "payment_attempt_create",
    "payment_attempt_create_with_code",
    "payment_attempt_decide",
    "payment_attempt_identify",
    "payment_attempt_liveness_refuse",
    "payment_attempt_recognise",
    "payment_attempt_step_up",
    "payment_attempts_expire",
    "payment_attempts_redrive",
    "probe_frames",
    "recognition_require_available",
    "refund_create",
    "settlement_batch_create",
    "settlement_cutoff",
    "settlement_run",
    "wallet_top_up",
    "wallet_withdraw",
]
