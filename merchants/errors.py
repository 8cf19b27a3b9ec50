"""Refusals of the merchants app; every `code` is public API."""

from __future__ import annotations

from facepay.errors import FacePayError, OutOfScope


class CreditCodeInvalid(FacePayError):
    code, http_status = "credit_code_invalid", 400


class CreditCodeTaken(FacePayError):
    code, http_status = "credit_code_taken", 409


class LicenceFileInvalid(FacePayError):
    code, http_status = "licence_file_invalid", 400


class LicenceFileTooLarge(FacePayError):
    code, http_status = "licence_file_too_large", 413


class ApplicationIncomplete(FacePayError):
    code, http_status = "application_incomplete", 400


class StatusTransitionInvalid(FacePayError):
    code, http_status = "status_transition_invalid", 409


class ReasonRequired(FacePayError):
    code, http_status = "reason_required", 400


class MerchantNotApproved(FacePayError):
    code, http_status = "merchant_not_approved", 409


class MerchantForbidden(OutOfScope):
    code, http_status = "merchant_forbidden", 403


class StoreForbidden(OutOfScope):
    code, http_status = "store_forbidden", 403


class TerminalForbidden(OutOfScope):
    code, http_status = "terminal_forbidden", 403


class TerminalRevoked(FacePayError):
    code, http_status = "terminal_revoked", 409


class TerminalLimitReached(FacePayError):
    code, http_status = "terminal_limit_reached", 429


class StaffEmailTaken(FacePayError):
    code, http_status = "staff_email_taken", 409


class StaffPhoneTaken(FacePayError):
    code, http_status = "staff_phone_taken", 409


class PeriodTooLong(FacePayError):
    code, http_status = "period_too_long", 400


class DateOutOfRange(FacePayError):
    code, http_status = "date_out_of_range", 400
