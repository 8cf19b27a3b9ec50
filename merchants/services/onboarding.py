"""Sign-up, the application (licence, bank account, credit code) and its review."""

from __future__ import annotations

import re
from functools import partial

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from facepay import crypto, mail
from facepay.models import User
from facepay.services import audit_event_record
from merchants import credit_codes
from merchants.errors import (
    ApplicationIncomplete,
    CreditCodeInvalid,
    CreditCodeTaken,
    LicenceFileInvalid,
    LicenceFileTooLarge,
    MerchantForbidden,
    ReasonRequired,
    StatusTransitionInvalid,
)
from merchants.models import Merchant, MerchantStatusChange
from merchants.services.base import (
    BANK_ACCOUNT_PATTERN,
    EDITABLE_STATUSES,
    LICENCE_EXTENSIONS,
    LICENCE_SIGNATURES,
    Status,
)


def notify(*, to: list[str], subject: str, body: str) -> None:
    """Send one e-mail after the surrounding transaction commits (console backend embedded)."""
    recipients = [address for address in to if address]
    if recipients:
        transaction.on_commit(
            partial(
                send_mail,
                subject,
                body,
                settings.DEFAULT_FROM_EMAIL,
                recipients,
                fail_silently=True,
            )
        )


@transaction.atomic
def merchant_owner_sign_up(
    *, username: str, email: str, password: str, display_name: str, phone: str = ""
) -> User:
    """Create a merchant-owner login (the caller validated uniqueness and the password)."""
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        phone=phone,
        role=User.Role.MERCHANT_OWNER,
    )
    user.set_password(password)
    user.save()
    audit_event_record(actor=user, action="merchant_owner.signed_up", target=user)
    return user


def credit_code_normalise(code: str) -> str:
    """Upper-case, trimmed code; raises CreditCodeInvalid unless the GB 32100 check holds."""
    normalised = code.strip().upper()
    if not credit_codes.is_valid(normalised):
        raise CreditCodeInvalid(
            _("This is not a valid unified social credit code (check character)."),
            field="credit_code",
        )
    return normalised


def licence_file_check(upload: UploadedFile) -> str:
    """The licence's content type from its first bytes; raises LicenceFileTooLarge/Invalid."""
    maximum = settings.FACEPAY_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > maximum:
        raise LicenceFileTooLarge(
            f"The licence file may be at most {maximum // (1024 * 1024)} MB.",
            field="licence_file",
            max_bytes=maximum,
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type in LICENCE_SIGNATURES.items():
        if head.startswith(magic):
            return content_type
    raise LicenceFileInvalid(
        _("The licence must be a PDF, JPEG or PNG file."), field="licence_file"
    )


def bank_account_normalise(number: str) -> str:
    digits = re.sub(r"[\s-]", "", number)
    if not BANK_ACCOUNT_PATTERN.match(digits):
        raise ApplicationIncomplete(
            _("A bank account number has 8 to 30 digits."), field="bank_account_number"
        )
    return digits


def _bank_aad(merchant: Merchant) -> bytes:
    return f"merchant-bank:{merchant.pk}".encode()


def merchant_bank_account_number(merchant: Merchant) -> str:
    """The settlement account number in clear (payouts only; pages show it masked)."""
    if not merchant.bank_account_sealed:
        return ""
    return crypto.unseal(merchant.bank_account_sealed, aad=_bank_aad(merchant)).decode()


@transaction.atomic
def merchant_application_save(
    *,
    actor: User,
    merchant: Merchant | None,
    name: str,
    credit_code: str,
    trade: str,
    address: str,
    owner_legal_name: str,
    bank_name: str,
    bank_account_holder: str,
    bank_account_number: str = "",
    licence_file: UploadedFile | None = None,
) -> Merchant:
    """Create or edit the owner's draft application (also when more information was asked).

    An empty `bank_account_number` keeps the stored one. Nothing is written on a refusal:
    CreditCodeInvalid, CreditCodeTaken, LicenceFileInvalid, LicenceFileTooLarge,
    ApplicationIncomplete, MerchantForbidden, StatusTransitionInvalid (not editable now).
    """
    code = credit_code_normalise(credit_code)
    content_type = licence_file_check(licence_file) if licence_file is not None else None
    account = bank_account_normalise(bank_account_number) if bank_account_number else ""
    if merchant is None:
        if actor.role != User.Role.MERCHANT_OWNER:
            raise MerchantForbidden(_("Only a merchant owner can apply."))
        merchant = Merchant(owner=actor)
    else:
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        if merchant.owner_id != actor.pk:
            raise MerchantForbidden(
                _("You may not edit this application."), merchant_id=merchant.pk
            )
        if merchant.status not in EDITABLE_STATUSES:
            raise StatusTransitionInvalid(
                _("The application cannot be changed in its current status."),
                status=merchant.status,
            )
    if Merchant.objects.filter(credit_code=code).exclude(pk=merchant.pk).exists():
        raise CreditCodeTaken(
            _("Another merchant already uses this credit code."), field="credit_code"
        )
    merchant.name = name.strip()
    merchant.credit_code = code
    merchant.trade = trade
    merchant.address = address.strip()
    merchant.owner_legal_name = owner_legal_name.strip()
    merchant.bank_name = bank_name.strip()
    merchant.bank_account_holder = bank_account_holder.strip()
    is_new = merchant.pk is None
    try:
        with transaction.atomic():
            merchant.save()
    except IntegrityError as error:  # two owners racing for one code
        raise CreditCodeTaken(
            _("Another merchant already uses this credit code."), field="credit_code"
        ) from error
    if account:
        merchant.bank_account_sealed = crypto.seal(account.encode(), aad=_bank_aad(merchant))
        merchant.bank_account_last4 = account[-4:]
    if licence_file is not None and content_type is not None:
        extension = LICENCE_EXTENSIONS[content_type]
        merchant.licence_file.save(f"licence-{merchant.pk}.{extension}", licence_file, save=False)
        merchant.licence_content_type = content_type
    merchant.save()
    audit_event_record(
        actor=actor,
        action="merchant.application_created" if is_new else "merchant.application_edited",
        target=merchant,
        data={"licence_uploaded": licence_file is not None, "bank_account_changed": bool(account)},
    )
    return merchant


# (from, to) → who may make that move.
OWNER_MOVES = {(Status.DRAFT, Status.SUBMITTED), (Status.MORE_INFO_REQUESTED, Status.SUBMITTED)}
OPERATOR_MOVES = {
    (Status.SUBMITTED, Status.UNDER_REVIEW),
    (Status.UNDER_REVIEW, Status.APPROVED),
    (Status.UNDER_REVIEW, Status.REJECTED),
    (Status.UNDER_REVIEW, Status.MORE_INFO_REQUESTED),
}
REASON_NEEDED = {Status.REJECTED, Status.MORE_INFO_REQUESTED}
DECISION_SUBJECTS: dict[str, Promise] = {
    Status.SUBMITTED: gettext_lazy("Your FacePay Street application was received"),
    Status.UNDER_REVIEW: gettext_lazy("Your FacePay Street application is under review"),
    Status.APPROVED: gettext_lazy("Your FacePay Street application is approved"),
    Status.REJECTED: gettext_lazy("Your FacePay Street application was rejected"),
    Status.MORE_INFO_REQUESTED: gettext_lazy(
        "Your FacePay Street application needs more information"
    ),
}


def _missing_fields(merchant: Merchant) -> list[str]:
    required = [
        "name",
        "credit_code",
        "trade",
        "address",
        "owner_legal_name",
        "bank_name",
        "bank_account_holder",
        "bank_account_sealed",
        "licence_file",
    ]
    return [field for field in required if not getattr(merchant, field)]


@transaction.atomic
def merchant_status_change(
    *, actor: User, merchant: Merchant, to_status: str, reason: str = "", is_silent: bool = False
) -> Merchant:
    """Move an application one step (row lock held), record it, audit it and e-mail the owner.

    Raises MerchantForbidden (wrong person), StatusTransitionInvalid, ReasonRequired,
    ApplicationIncomplete (submitting with fields missing).
    """
    merchant = Merchant.objects.select_for_update().select_related("owner").get(pk=merchant.pk)
    move = (merchant.status, to_status)
    if move in OWNER_MOVES:
        if merchant.owner_id != actor.pk:
            raise MerchantForbidden(
                _("Only the owner can submit this application."), merchant_id=merchant.pk
            )
        if missing := _missing_fields(merchant):
            raise ApplicationIncomplete(
                _("Complete the application before submitting it."), missing=missing
            )
    elif move in OPERATOR_MOVES:
        if not actor.is_operator:
            raise MerchantForbidden(
                _("Only a platform operator can review applications."), merchant_id=merchant.pk
            )
    else:
        raise StatusTransitionInvalid(
            f"An application cannot go from {merchant.status} to {to_status}.",
            from_status=merchant.status,
            to_status=to_status,
        )
    reason = reason.strip()
    if to_status in REASON_NEEDED and not reason:
        raise ReasonRequired(_("Give the owner a reason."), field="reason")
    now = timezone.now()
    from_status = merchant.status
    merchant.status = to_status
    merchant.status_reason = reason
    update = ["status", "status_reason"]
    if to_status == Status.SUBMITTED:
        merchant.submitted_at = now
        update.append("submitted_at")
    elif to_status != Status.UNDER_REVIEW:
        merchant.reviewed_at = now
        update.append("reviewed_at")
    if to_status == Status.APPROVED:
        merchant.approved_at = now
        update.append("approved_at")
    merchant.save(update_fields=update)
    MerchantStatusChange.objects.create(
        merchant=merchant, from_status=from_status, to_status=to_status, actor=actor, reason=reason
    )
    audit_event_record(
        actor=actor,
        action=f"merchant.{to_status}",
        target=merchant,
        data={"from": from_status, "reason": reason},
    )
    if is_silent:  # the demo seed approves its own street without mailing anyone
        return merchant
    notify(
        to=[merchant.owner.email],
        subject=mail.bilingual_subject(lambda: str(DECISION_SUBJECTS[to_status])),
        body=mail.bilingual_body(lambda: _decision_text(merchant, reason)),
    )
    if to_status == Status.SUBMITTED:
        operators = User.objects.filter(role=User.Role.OPERATOR, is_active=True).exclude(email="")
        notify(
            to=list(operators.values_list("email", flat=True)),
            subject=mail.bilingual_subject(lambda: _("New merchant application to review")),
            body=mail.bilingual_body(
                lambda: (
                    _("%(merchant)s has applied to join FacePay Street.")
                    % {"merchant": merchant.name}
                )
            ),
        )
    return merchant


def _decision_text(merchant: Merchant, reason: str) -> str:
    """The owner's e-mail: the new status in the active language, then the reviewer's reason
    as the reviewer wrote it."""
    text = _("The application of %(merchant)s is now: %(status)s.") % {
        "merchant": merchant.name,
        "status": merchant.get_status_display(),
    }
    if reason:
        text += "\n\n" + _("Reason: %(reason)s") % {"reason": reason}
    return text


def merchant_application_submit(
    *, actor: User, merchant: Merchant, is_silent: bool = False
) -> Merchant:
    """Owner submits a draft (or an application after more information was asked)."""
    return merchant_status_change(
        actor=actor, merchant=merchant, to_status=Status.SUBMITTED, is_silent=is_silent
    )


def merchant_review_start(*, actor: User, merchant: Merchant, is_silent: bool = False) -> Merchant:
    """Operator takes a submitted application into review."""
    return merchant_status_change(
        actor=actor, merchant=merchant, to_status=Status.UNDER_REVIEW, is_silent=is_silent
    )


def merchant_approve(
    *, actor: User, merchant: Merchant, reason: str = "", is_silent: bool = False
) -> Merchant:
    """Operator approves an application under review."""
    return merchant_status_change(
        actor=actor,
        merchant=merchant,
        to_status=Status.APPROVED,
        reason=reason,
        is_silent=is_silent,
    )


def merchant_reject(*, actor: User, merchant: Merchant, reason: str) -> Merchant:
    """Operator rejects an application under review; a reason is required."""
    return merchant_status_change(
        actor=actor, merchant=merchant, to_status=Status.REJECTED, reason=reason
    )


def merchant_request_more_info(*, actor: User, merchant: Merchant, reason: str) -> Merchant:
    """Operator sends the application back to the owner with what is missing."""
    return merchant_status_change(
        actor=actor, merchant=merchant, to_status=Status.MORE_INFO_REQUESTED, reason=reason
    )
