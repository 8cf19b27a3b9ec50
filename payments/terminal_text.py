"""The counter screen's titles for a refusal and its pairing messages, in the reader's language.

A declined payment is titled by what went wrong (the picture, the face, the person, the phone
digits), not all "Declined"; a refused signature tells the cashier how to pair again.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PICTURE = _("Take the picture again")
TITLES: dict[str, Promise] = {
    "no_face": PICTURE,
    "multiple_faces": PICTURE,
    "face_too_small": PICTURE,
    "face_blurred": PICTURE,
    "face_turned": PICTURE,
    "face_badly_exposed": PICTURE,
    "face_too_dark": PICTURE,
    "face_too_bright": PICTURE,
    # A recording the counter sent badly (too short, gaps): record it again.
    "burst_too_few_frames": PICTURE,
    "burst_too_many_frames": PICTURE,
    "burst_not_continuous": PICTURE,
    "burst_predates_challenge": PICTURE,
    "burst_landmarks_unavailable": _("Face payment is not available right now"),
    "camera_error": _("The camera is not available"),
    "no_match": _("Face not recognised"),
    "ambiguous_match": _("Face not recognised"),
    "spoof_suspected": _("Live person not confirmed"),
    "customer_frozen": _("Face payment is off for this customer"),
    "customer_no_consent": _("Face payment is off for this customer"),
    "face_pay_paused": _("Face payment is off for this customer"),
    "step_up_failed": _("Phone digits not confirmed"),
    "step_up_ambiguous": _("Phone digits not confirmed"),
    "terminal_paused": _("This counter is paused"),
    "payment_expired": _("Payment expired"),
    "engine_unavailable": _("Face payment is not available right now"),
    "gallery_loading": _("Face payment is starting: try again in a moment"),
    "default": _("Declined"),
}

UNVERIFIED = _("This request could not be verified: please try again.")
PAIRING: dict[str, Promise] = {
    "signature_invalid": _(
        "The secret does not match this terminal (it may have been changed): pair this screen "
        "again."
    ),
    "terminal_unknown": _("No terminal has this id: check the terminal id."),
    "terminal_other": _("This id belongs to another terminal: enter the id of this terminal."),
    "terminal_revoked": _("This terminal has been revoked."),
    "merchant_not_approved": _("This store's merchant is not approved yet."),
    "timestamp_out_of_range": _(
        "This screen's clock is wrong: set the date and time, then pair again."
    ),
    "signature_missing": UNVERIFIED,
    "signature_malformed": UNVERIFIED,
    "nonce_replayed": UNVERIFIED,
    "unreachable": _("The server could not be reached: try again in a moment."),
    "default": _("Pairing failed: check the terminal id and secret."),
}

SCREEN: dict[str, Promise] = {
    "not_paired": _("Not paired"),
    "checking": _("Checking the pairing…"),
    "new_payment": _("New payment"),
    "try_again": _("Try again"),
}


def as_json(texts: dict[str, Promise]) -> dict[str, str]:
    """The texts rendered in the active language, for the page's JSON."""
    return {key: str(value) for key, value in texts.items()}
