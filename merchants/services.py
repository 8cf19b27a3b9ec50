"""Every write of the merchants app: applications, reviews, stores, staff and terminals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from facepay import crypto
from facepay.models import User
from facepay.services import audit_event_record
from merchants import credit_codes, terminal_keys
from merchants.errors import (
    ApplicationIncomplete,
    CreditCodeInvalid,
    CreditCodeTaken,
    LicenceFileInvalid,
    LicenceFileTooLarge,
    MerchantForbidden,
    MerchantNotApproved,
    ReasonRequired,
    StaffEmailTaken,
    StaffPhoneTaken,
    StatusTransitionInvalid,
    StoreForbidden,
    TerminalForbidden,
    TerminalLimitReached,
    TerminalRevoked,
)
from merchants.models import Merchant, MerchantStatusChange, Store, StoreStaff, Terminal

Status = Merchant.Status
LICENCE_SIGNATURES: dict[bytes, str] = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
LICENCE_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.MORE_INFO_REQUESTED})
BANK_ACCOUNT_PATTERN = re.compile(r"^[0-9]{8,30}$")


@dataclass(frozen=True)
class TerminalCredentials:
    """A terminal's id and its secret in clear: shown once, never stored in clear."""

    terminal: Terminal
    key_id: str
    secret: str


def _is_owner_of(actor: User, merchant: Merchant) -> bool:
    return actor.is_operator or merchant.owner_id == actor.pk


def _ensure_owner(actor: User, merchant: Merchant) -> None:
    if not _is_owner_of(actor, merchant):
        raise MerchantForbidden(_("You may not manage this merchant."), merchant_id=merchant.pk)


def _ensure_store_manager(actor: User, store: Store) -> None:
    if not _is_owner_of(actor, store.merchant):
        raise StoreForbidden(_("You may not manage this store."), store_id=store.pk)


def _issue_secret(terminal: Terminal) -> TerminalCredentials:
    secret = terminal_keys.new_secret()
    if not terminal.key_id:
        terminal.key_id = terminal_keys.new_key_id()
    terminal.secret_sealed = terminal_keys.seal_secret(key_id=terminal.key_id, secret=secret)
    terminal.secret_issued_at = timezone.now()
    terminal.save(update_fields=["key_id", "secret_sealed", "secret_issued_at"])
    return TerminalCredentials(terminal=terminal, key_id=terminal.key_id, secret=secret)


@transaction.atomic
def terminal_register(*, actor: User, store: Store, name: str) -> TerminalCredentials:
    """Register a counter device for an approved merchant's store and issue its first secret.

    Not idempotent (each call is a new device). Raises StoreForbidden, MerchantNotApproved or
    TerminalLimitReached (FACEPAY_MAX_NEW_TERMINALS_PER_DAY per merchant; the merchant row is
    locked while counting, so racing requests cannot pass the cap together).
    """
    _ensure_store_manager(actor, store)
    if not store.merchant.is_approved:
        raise MerchantNotApproved(
            _("Terminals can be registered once the merchant is approved."),
            merchant_id=store.merchant_id,
        )
    Merchant.objects.select_for_update().filter(pk=store.merchant_id).first()
    registered_today = Terminal.objects.filter(
        store__merchant_id=store.merchant_id,
        created_at__gte=timezone.now() - timedelta(days=1),
    ).count()
    if registered_today >= settings.FACEPAY_MAX_NEW_TERMINALS_PER_DAY:
        raise TerminalLimitReached(
            _("This merchant has registered as many new terminals as a day allows: try tomorrow."),
            limit=settings.FACEPAY_MAX_NEW_TERMINALS_PER_DAY,
        )
    terminal = Terminal.objects.create(store=store, name=name.strip())
    credentials = _issue_secret(terminal)
    audit_event_record(
        actor=actor,
        action="terminal.registered",
        target=terminal,
        data={"store_id": store.pk, "key_id": credentials.key_id},
    )
    return credentials


@transaction.atomic
def terminal_rotate_secret(*, actor: User | None, terminal: Terminal) -> TerminalCredentials:
    """Replace the terminal's secret (the old one is refused from now on); row lock held.

    `actor=None` is the system (the demo seed). Raises TerminalForbidden, TerminalRevoked.
    """
    terminal = (
        Terminal.objects.select_for_update().select_related("store__merchant").get(pk=terminal.pk)
    )
    if actor is not None and not _is_owner_of(actor, terminal.store.merchant):
        raise TerminalForbidden(_("You may not manage this terminal."), terminal_id=terminal.pk)
    if not terminal.is_active:
        raise TerminalRevoked(
            _("A revoked terminal cannot get a new secret."), terminal_id=terminal.pk
        )
    credentials = _issue_secret(terminal)
    audit_event_record(
        actor=actor,
        action="terminal.secret_rotated",
        target=terminal,
        data={"key_id": credentials.key_id},
    )
    return credentials


@transaction.atomic
def terminal_revoke(*, actor: User, terminal: Terminal) -> Terminal:
    """Revoke the terminal for good; idempotent. Raises TerminalForbidden."""
    terminal = (
        Terminal.objects.select_for_update().select_related("store__merchant").get(pk=terminal.pk)
    )
    if not _is_owner_of(actor, terminal.store.merchant):
        raise TerminalForbidden(_("You may not manage this terminal."), terminal_id=terminal.pk)
    if terminal.is_active:
        terminal.status = Terminal.Status.REVOKED
        terminal.revoked_at = timezone.now()
        terminal.save(update_fields=["status", "revoked_at"])
        audit_event_record(actor=actor, action="terminal.revoked", target=terminal)
    return terminal


# --- Sign-up and application -------------------------------------------------------------------


def _notify(*, to: list[str], subject: str, body: str) -> None:
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
DECISION_SUBJECTS = {
    Status.SUBMITTED: "Your FacePay Street application was received",
    Status.UNDER_REVIEW: "Your FacePay Street application is under review",
    Status.APPROVED: "Your FacePay Street application is approved",
    Status.REJECTED: "Your FacePay Street application was rejected",
    Status.MORE_INFO_REQUESTED: "Your FacePay Street application needs more information",
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
    body = f"{merchant.name}: {merchant.get_status_display()}."
    if reason:
        body += f"\n\n{reason}"
    if is_silent:  # the demo seed approves its own street without mailing anyone
        return merchant
    _notify(to=[merchant.owner.email], subject=DECISION_SUBJECTS[to_status], body=body)
    if to_status == Status.SUBMITTED:
        operators = User.objects.filter(role=User.Role.OPERATOR, is_active=True).exclude(email="")
        _notify(
            to=list(operators.values_list("email", flat=True)),
            subject="New merchant application to review",
            body=merchant.name,
        )
    return merchant


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


# --- Stores and staff --------------------------------------------------------------------------


@transaction.atomic
def store_create(*, actor: User, merchant: Merchant, name: str, address: str = "") -> Store:
    """Add a store to the actor's merchant. Raises MerchantForbidden."""
    _ensure_owner(actor, merchant)
    store = Store.objects.create(merchant=merchant, name=name.strip(), address=address.strip())
    audit_event_record(
        actor=actor, action="store.created", target=store, data={"merchant_id": merchant.pk}
    )
    return store


def _set_password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def staff_invite(
    *,
    actor: User,
    store: Store,
    email: str,
    display_name: str,
    phone: str = "",
    base_url: str = "",
    is_silent: bool = False,
) -> StoreStaff:
    """Assign a cashier to a store, creating their login (no password yet) if new.

    Idempotent per (store, e-mail). A new cashier gets a one-time set-password link by e-mail.
    Raises StoreForbidden, StaffEmailTaken (the address belongs to a non-cashier login).
    """
    _ensure_store_manager(actor, store)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and user.role != User.Role.STORE_STAFF:
        raise StaffEmailTaken(
            _("This e-mail address belongs to another kind of account."), field="email"
        )
    is_new_user = user is None
    phone = phone.strip()
    if is_new_user and User.objects.filter(username=email).exists():
        raise StaffEmailTaken(_("This e-mail address belongs to another account."), field="email")
    if is_new_user and phone and User.objects.filter(phone=phone).exists():
        raise StaffPhoneTaken(_("This phone number belongs to another account."), field="phone")
    if user is None:
        user = User(
            username=email,
            email=email,
            display_name=display_name.strip(),
            phone=phone.strip(),
            role=User.Role.STORE_STAFF,
        )
        user.set_unusable_password()
        user.save()
    assignment, created = StoreStaff.objects.get_or_create(store=store, user=user)
    if created:
        audit_event_record(
            actor=actor,
            action="store_staff.invited",
            target=assignment,
            data={"store_id": store.pk, "user_id": user.pk},
        )
        if is_silent:  # the demo seed staffs its own stores without mailing anyone
            return assignment
        if is_new_user:
            body = (
                f"You have been invited as a cashier of {store.name}. Choose your password "
                f"here (the link works once): {base_url}{_set_password_link(user)}"
            )
        else:
            body = f"You now also work at {store.name}."
        _notify(to=[email], subject="FacePay Street: cashier invitation", body=body)
    return assignment


@transaction.atomic
def staff_remove(*, actor: User, assignment: StoreStaff) -> None:
    """Take a cashier off a store (their login stays). Raises StoreForbidden."""
    _ensure_store_manager(actor, assignment.store)
    audit_event_record(
        actor=actor,
        action="store_staff.removed",
        target=assignment,
        data={"store_id": assignment.store_id, "user_id": assignment.user_id},
    )
    assignment.delete()
