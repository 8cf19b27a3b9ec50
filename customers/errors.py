"""Stable refusal codes of the customer portal. A code is public API: never rename one."""

from __future__ import annotations

from facepay.errors import FacePayError


class CustomerNotFound(FacePayError):
    code, http_status = "customer_not_found", 404


class AccountClosed(FacePayError):
    code, http_status = "account_closed", 409


class PhoneInvalid(FacePayError):
    code, http_status = "phone_invalid", 400


class PhoneTaken(FacePayError):
    code, http_status = "phone_taken", 409


class UsernameTaken(FacePayError):
    code, http_status = "username_taken", 409


class PasswordRejected(FacePayError):
    code, http_status = "password_rejected", 400


class GuardianConsentRequired(FacePayError):
    code, http_status = "guardian_consent_required", 422


class DateOfBirthInvalid(FacePayError):
    code, http_status = "date_of_birth_invalid", 400


class OtpInvalid(FacePayError):
    code, http_status = "otp_invalid", 400


class OtpExpired(FacePayError):
    code, http_status = "otp_expired", 400


class OtpTooManyAttempts(FacePayError):
    code, http_status = "otp_too_many_attempts", 429


class OtpResendTooSoon(FacePayError):
    code, http_status = "otp_resend_too_soon", 429


class PhoneNotVerified(FacePayError):
    code, http_status = "phone_not_verified", 409


class ConsentMissing(FacePayError):
    code, http_status = "consent_missing", 409


class ConsentDocumentOutdated(FacePayError):
    code, http_status = "consent_document_outdated", 409


class EnrolmentFramesInvalid(FacePayError):
    code, http_status = "enrolment_frames_invalid", 400


class EnrolmentFramesInconsistent(FacePayError):
    """The frames do not show one and the same person."""

    code, http_status = "enrolment_frames_inconsistent", 422


class NotEnrolled(FacePayError):
    code, http_status = "not_enrolled", 404


class LimitInvalid(FacePayError):
    code, http_status = "limit_invalid", 400


class PinInvalid(FacePayError):
    code, http_status = "pin_invalid", 401


class PinLocked(FacePayError):
    code, http_status = "pin_locked", 423


class PinNotSet(FacePayError):
    code, http_status = "pin_not_set", 409


class PinFormatInvalid(FacePayError):
    code, http_status = "pin_format_invalid", 400


class PaymentCodeInvalid(FacePayError):
    code, http_status = "payment_code_invalid", 401


class PaymentCodeRateLimited(FacePayError):
    code, http_status = "payment_code_rate_limited", 429


class AccountCloseNotConfirmed(FacePayError):
    code, http_status = "account_close_not_confirmed", 400


class WalletNotEmpty(FacePayError):
    code, http_status = "wallet_not_empty", 409


class FacePayDisabled(FacePayError):
    code, http_status = "face_pay_disabled", 409


class FacePayPaused(FacePayError):
    code, http_status = "face_pay_paused", 409


class EnrolmentBurstRequired(FacePayError):
    """The old enrolment shape (1-3 photos): refused, a photo collection proves no live person.
    Draw an enrolment challenge, then post a recording of 10 to 20 frames made under it."""

    code, http_status = "burst_required", 400


class EnrolmentChallengeInvalid(FacePayError):
    """No enrolment challenge of this customer has this id."""

    code, http_status = "enrolment_challenge_invalid", 404


class EnrolmentChallengeUsed(FacePayError):
    code, http_status = "enrolment_challenge_used", 409


class EnrolmentChallengeExpired(FacePayError):
    code, http_status = "enrolment_challenge_expired", 410
