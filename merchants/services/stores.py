"""Stores and their staff."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from facepay import mail
from facepay.models import User
from facepay.services import audit_event_record
from merchants.errors import (
    StaffEmailTaken,
    StaffPhoneTaken,
)
from merchants.models import Merchant, Store, StoreStaff
from merchants.services.base import ensure_owner, ensure_store_manager
from merchants.services.onboarding import notify


@transaction.atomic
def store_create(*, actor: User, merchant: Merchant, name: str, address: str = "") -> Store:
    """Add a store to the actor's merchant. Raises MerchantForbidden."""
    ensure_owner(actor, merchant)
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
    ensure_store_manager(actor, store)
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
        link = f"{base_url}{_set_password_link(user)}" if is_new_user else ""
        notify(
            to=[email],
            subject=mail.bilingual_subject(lambda: _("FacePay Street: cashier invitation")),
            body=mail.bilingual_body(lambda: _invitation_text(store.name, link)),
        )
    return assignment


def _invitation_text(store_name: str, link: str) -> str:
    if link:
        return _(
            "You have been invited as a cashier of %(store)s. Choose your password here (the "
            "link works once): %(link)s"
        ) % {"store": store_name, "link": link}
    return _("You now also work at %(store)s.") % {"store": store_name}


@transaction.atomic
def staff_remove(*, actor: User, assignment: StoreStaff) -> None:
    """Take a cashier off a store (their login stays). Raises StoreForbidden."""
    ensure_store_manager(actor, assignment.store)
    audit_event_record(
        actor=actor,
        action="store_staff.removed",
        target=assignment,
        data={"store_id": assignment.store_id, "user_id": assignment.user_id},
    )
    assignment.delete()
