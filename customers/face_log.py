"""The customer's "who used my face" log: one line per face payment, in words.

Built from the FaceUse rows (one per stage an attempt reached with this customer: asked for
digits, matched, refused, paid). Each line says where (store and counter by name), when (Beijing
time), how much, which liveness challenge the counter drew and whether it passed, and the
outcome in words: paid, refused and why (face pay off, limit, wrong digits, liveness reason),
or recognised and not paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import selectors
from customers.models import Customer, FaceUse
from facepay import money
from merchants import selectors as merchant_selectors

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
# The most decisive stage an attempt reached with this customer is the one the line shows.
STAGE_ORDER = (
    "step_up_candidate",
    "match",
    "confirmed",
    "liveness_refused",
    "declined",
    "captured",
)
CHALLENGE_WORDS = {
    "blink": gettext_lazy("Blink your eyes"),
    "turn_left": gettext_lazy("Turn your head to your left"),
    "turn_right": gettext_lazy("Turn your head to your right"),
    "nod": gettext_lazy("Nod your head"),
}
REFUSAL_WORDS = {
    "customer_frozen": gettext_lazy("face pay is switched off"),
    "face_pay_paused": gettext_lazy("face pay is paused after wrong phone digits"),
    "customer_no_consent": gettext_lazy("biometric consent is missing"),
    "limit_exceeded": gettext_lazy("above your payment limit"),
    "step_up_failed": gettext_lazy("wrong phone digits"),
    "step_up_ambiguous": gettext_lazy("the phone digits fit more than one person"),
    "insufficient_balance": gettext_lazy("not enough money in the wallet"),
    "liveness_face_missing": gettext_lazy("liveness check: the face left the camera"),
    "liveness_face_changed": gettext_lazy("liveness check: a different face appeared"),
    "liveness_challenge_too_early": gettext_lazy("liveness check: the action came too early"),
    "liveness_challenge_not_performed": gettext_lazy(
        "liveness check: the asked action was not seen"
    ),
    "liveness_planar_face": gettext_lazy("liveness check: a flat picture (photo or screen)"),
    "liveness_passive_spoof": gettext_lazy("liveness check: no live person confirmed"),
}


@dataclass(frozen=True)
class FacePaymentLine:
    at: datetime  # Asia/Shanghai
    store_name: str
    terminal_name: str
    amount_text: str  # "¥38.00"; "" for entries logged before amounts were kept
    challenge_text: str  # the challenge in words; "" when none was drawn
    is_challenge_passed: bool
    outcome: str  # the stage code: captured, declined, liveness_refused, match, ...
    outcome_text: str
    is_refused: bool
    is_step_up_used: bool


def _outcome_text(use: FaceUse) -> str:
    if use.outcome == "captured":
        return _("Paid")
    if use.outcome in ("declined", "liveness_refused"):
        reason = REFUSAL_WORDS.get(use.decline_code)
        return _("Refused: %(reason)s") % {"reason": reason} if reason else _("Refused")
    if use.outcome == "step_up_candidate":
        return _("Asked for your phone digits, not paid")
    return _("Recognised, not paid")


def face_payment_lines(*, customer: Customer, limit: int = 200) -> list[FacePaymentLine]:
    """The customer's face payments, newest first, one line per attempt."""
    uses = selectors.face_use_list(customer=customer, limit=limit * 4)
    by_attempt: dict[int, list[FaceUse]] = {}
    for use in uses:
        by_attempt.setdefault(use.attempt_id, []).append(use)
    stores = merchant_selectors.store_names(store_ids={use.store_id for use in uses})
    terminals = merchant_selectors.terminal_names(terminal_ids={use.terminal_id for use in uses})
    lines = []
    for stages in by_attempt.values():
        final = max(
            stages,
            key=lambda use: STAGE_ORDER.index(use.outcome) if use.outcome in STAGE_ORDER else -1,
        )
        facts = next((use for use in stages if use.amount_minor is not None), final)
        challenge = facts.liveness_challenge
        lines.append(
            FacePaymentLine(
                at=timezone.localtime(min(use.at for use in stages), LOCAL_ZONE),
                store_name=stores.get(final.store_id, ""),
                terminal_name=terminals.get(final.terminal_id, ""),
                amount_text=money.format_minor(facts.amount_minor, facts.currency or "CNY")
                if facts.amount_minor is not None
                else "",
                challenge_text=str(CHALLENGE_WORDS.get(challenge, "")),
                is_challenge_passed=bool(challenge) and final.outcome != "liveness_refused",
                outcome=final.outcome,
                outcome_text=_outcome_text(final),
                is_refused=final.outcome in ("declined", "liveness_refused"),
                is_step_up_used=any(use.is_step_up_used for use in stages),
            )
        )
    return sorted(lines, key=lambda line: line.at, reverse=True)[:limit]
