"""Store-side pages: terminal picker, the counter screen, recent payments, settlement reports."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from facepay import money
from facepay.errors import FacePayError
from facepay.face import burst
from facepay.models import User
from facepay.pages import refuse
from facepay.permissions import AuthenticatedHttpRequest, role_required
from facepay.spreadsheets import SafeCsvWriter
from merchants import services as merchant_services
from payments import selectors, services, terminal_text
from payments.models import SettlementBatch

STORE_ROLES = (User.Role.MERCHANT_OWNER, User.Role.STORE_STAFF, User.Role.OPERATOR)
TERMINAL_TEXT = {
    "recognising": _("Recognising…"),
    "step_up_required": _("Please enter the last 4 digits of your phone number"),
    "confirm": _("%(name)s — pay %(amount)s?"),
    "confirm_free": _("%(name)s — paying %(amount)s…"),
    "captured": _("Paid ✓"),
    "declined": _("Declined"),
    "cancelled": _("Cancelled"),
    "expired": _("Expired: please start again"),
    "online": _("Live"),
    "offline": _("Offline: reconnecting"),
    "step_up_wrong": _("Those digits are not right: %(left)s tries left"),
    "unavailable": _("Face payment is not available right now"),
    "unknown": _("Checking this payment…"),
    "unknown_detail": _("The payment's state could not be read yet. Do not start it again."),
    "challenge_wait": _("Look at the camera…"),
}
DECLINE_TEXT = {
    "no_match": _("Face not recognised. Try again, or pay with a code."),
    "ambiguous_match": _("We could not tell who you are. Try again, or pay with a code."),
    "customer_frozen": _("Face payment is switched off for this customer."),
    "customer_no_consent": _("This customer has not enabled face payment."),
    "step_up_failed": _("Wrong phone digits three times."),
    "step_up_ambiguous": _("Those digits fit more than one person: please pay with a code."),
    "face_pay_paused": _(
        "Face pay is paused for this person after wrong phone digits: please pay with a code."
    ),
    "terminal_paused": _("This terminal is paused after too many wrong entries."),
    "insufficient_balance": _("Not enough money in the wallet."),
    "limit_exceeded": _("Above the customer's payment limit."),
    "no_face": _("No face was seen: look at the camera."),
    "multiple_faces": _("Only one person may face the camera."),
    "spoof_suspected": _("The camera could not confirm a live person."),
    "face_too_small": _("Come closer to the camera."),
    "face_blurred": _("Hold still: the picture was blurred."),
    "face_turned": _("Look straight at the camera."),
    "face_badly_exposed": _("The light is too dark or too bright."),
    "face_too_dark": _("The light is too dark: move to a brighter place."),
    "face_too_bright": _("The light is too bright: step out of the strong light."),
    "engine_unavailable": _("Face recognition is not available right now."),
    "gallery_loading": _("Face recognition is starting up: please try again in a moment."),
    "payment_expired": _("The payment expired: please start again."),
    "payment_code_invalid": _("That payment code is not valid."),
    "pin_invalid": _("Phone number or PIN is not right."),
    "pin_locked": _("Too many wrong PINs: try again later."),
    "camera_error": _("The camera could not be opened."),
    "liveness_face_missing": _("Liveness check failed: the face left the camera."),
    "liveness_face_changed": _("Liveness check failed: a different face appeared."),
    "liveness_challenge_too_early": _("Liveness check failed: the action came too early."),
    "liveness_challenge_not_performed": _("Liveness check failed: the asked action was not seen."),
    "liveness_planar_face": _("Liveness check failed: a flat picture (photo or screen)."),
    "liveness_passive_spoof": _("Liveness check failed: no live person confirmed."),
    "burst_required": _("This terminal sent single photos: a recording is required."),
    "burst_too_few_frames": _("The recording was too short: please try again."),
    "burst_too_many_frames": _("The recording was too long: please try again."),
    "burst_not_continuous": _("The recording was broken: please try again."),
    "burst_predates_challenge": _("The recording was made before the challenge: please try again."),
    "recognition_unavailable": _("Recognition is not running. Please pay with the payment code."),
    "service_unavailable": _("The service is briefly unavailable. Please try again."),
    "default": _("The payment did not go through."),
}


@role_required(*STORE_ROLES)
def terminal_picker(request: AuthenticatedHttpRequest) -> HttpResponse:
    terminals = selectors.terminal_list_for_user(user=request.user)
    return render(request, "payments/terminal_picker.html", {"terminals": terminals})


@role_required(*STORE_ROLES)
def terminal_screen(request: AuthenticatedHttpRequest, terminal_id: int) -> HttpResponse:
    terminal = selectors.terminal_list_for_user(user=request.user).filter(pk=terminal_id).first()
    if terminal is None:
        raise Http404
    return render(
        request,
        "payments/terminal.html",
        {
            "terminal": terminal,
            "currency": money.default_currency(),
            "can_pair": request.user.role in (User.Role.MERCHANT_OWNER, User.Role.OPERATOR),
            "recording": burst.recording_shape(),
            "messages_json": {
                **{key: str(value) for key, value in TERMINAL_TEXT.items()},
                **terminal_text.as_json(terminal_text.SCREEN),
                "reasons": {key: str(value) for key, value in DECLINE_TEXT.items()},
                "titles": terminal_text.as_json(terminal_text.TITLES),
                "pairing": terminal_text.as_json(terminal_text.PAIRING),
                "challenges": {key: burst.challenge_instruction(key) for key in burst.CHALLENGES},
            },
        },
    )


@role_required(User.Role.MERCHANT_OWNER, User.Role.OPERATOR)
@require_POST
def terminal_pair(request: AuthenticatedHttpRequest, terminal_id: int) -> HttpResponse:
    """The owner pairs this browser: a new secret is issued (shown once, kept by the page)."""
    terminal = selectors.terminal_list_for_user(user=request.user).filter(pk=terminal_id).first()
    if terminal is None:
        raise Http404
    try:
        credentials = merchant_services.terminal_rotate_secret(
            actor=request.user, terminal=terminal
        )
    except FacePayError as exc:
        return JsonResponse(
            {"error": {"code": exc.code, "message": exc.message}}, status=exc.http_status
        )
    return JsonResponse({"key_id": credentials.key_id, "secret": credentials.secret})


@role_required(*STORE_ROLES)
def payment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    payments = selectors.payment_list_for_user(user=request.user)
    return render(request, "payments/payment_list.html", {"payments": payments})


def _batch(request: AuthenticatedHttpRequest, batch_id: int):
    batch = selectors.settlement_batches_for_user(user=request.user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


@role_required(User.Role.MERCHANT_OWNER, User.Role.OPERATOR)
def settlement_detail(request: AuthenticatedHttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    lines = selectors.settlement_reconciliation(batch=batch)
    return render(request, "payments/settlement_detail.html", {"batch": batch, "lines": lines})


@role_required(User.Role.MERCHANT_OWNER, User.Role.OPERATOR)
def settlement_csv(request: AuthenticatedHttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="settlement-{batch.merchant_id}-{batch.business_date}.csv"'
    )
    writer = SafeCsvWriter(response)
    writer.writerows(reconciliation_rows(batch))
    return response


RECONCILIATION_HEADER = [
    "kind",
    "payment_id",
    "occurred_at (Asia/Shanghai)",
    "store",
    "amount_minor",
    "fee_minor",
    "net_minor",
    "currency",
    "amount",
    "fee",
    "net",
]


def reconciliation_rows(batch: SettlementBatch) -> list[list[object]]:
    """A batch's reconciliation as CSV rows: local times (the zone is in the header), fen for
    the books and the same amounts in yuan with two decimals, then the total."""
    zone = timezone.get_current_timezone()

    def amounts(*values: int) -> list[object]:
        return [*values, batch.currency, *(str(money.to_major(v, batch.currency)) for v in values)]

    rows: list[list[object]] = [list(RECONCILIATION_HEADER)]
    for line in selectors.settlement_reconciliation(batch=batch):
        at = line.occurred_at
        occurred = at.astimezone(zone).isoformat(timespec="seconds") if at else ""
        rows.append(
            [
                line.kind,
                line.payment_id,
                occurred,
                line.store_name,
                *amounts(line.amount_minor, line.fee_minor, line.net_minor),
            ]
        )
    total = amounts(batch.gross_minor - batch.refunds_minor, batch.fees_minor, batch.net_minor)
    rows.append(["total", "", "", "", *total])
    return rows


# --- The customer's face-payment notices (issue 13) ----------------------------------------------
# The published rule: why a face payment asked for the last 4 phone digits.
STEP_UP_REASONS = {
    "amount": _("the amount was above your step-up amount"),
    "lookalike": _("your face is close to another customer's, so we always ask"),
    "margin": _("another customer's face came too close to yours at that moment"),
    "score": _("the camera was not sure enough it was you"),
    "gallery_size": _("the street has so many customers that a face alone is never enough"),
}
NOT_ME_REASON = "这不是我 / This was not me (face-payment notice)"


def _customer_id(request: AuthenticatedHttpRequest) -> int:
    try:
        return selectors.customer_id_for_user(user=request.user)
    except FacePayError as exc:  # a customer-role user without a customer profile
        raise Http404 from exc


@role_required(User.Role.CUSTOMER)
def face_payments(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every face payment of the signed-in customer, each with "this was not me" and, when the
    phone digits were asked, why."""
    customer_id = _customer_id(request)
    notices = [
        {"notice": notice, "reason": STEP_UP_REASONS.get(notice.step_up_reason, "")}
        for notice in selectors.face_payment_notices(customer_id=customer_id)
    ]
    return render(request, "payments/face_payments.html", {"notices": notices})


@role_required(User.Role.CUSTOMER)
@require_POST
def not_me(request: AuthenticatedHttpRequest, payment_id: str) -> HttpResponse:
    """One tap on a face-payment notice: "this was not me" opens a dispute on that payment."""
    customer_id = _customer_id(request)
    try:
        services.dispute_open(customer_id=customer_id, attempt_id=payment_id, reason=NOT_ME_REASON)
    except FacePayError as exc:
        refuse(request, exc)
    else:
        messages.success(
            request, _("Thank you: we opened a dispute and will look at this payment.")
        )
    return redirect("payments:face_payments")
