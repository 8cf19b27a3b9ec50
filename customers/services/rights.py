"""Rights and retention: closing an account, and deleting templates left unused too long."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import errors, selectors, sms, wallet
from customers.models import (
    BiometricDeletion,
    ConsentRecord,
    Customer,
    FaceTemplate,
    FaceUse,
    PaymentCode,
    PhoneVerification,
)
from customers.services.base import lock_customer, require_open
from customers.services.enrolment import biometrics_delete_locked
from facepay.services import audit_event_record


@transaction.atomic
def customer_account_close(*, customer: Customer, ip_address: str | None = None) -> Customer:
    """Close the account: biometrics shredded, personal data erased, the user can no longer sign
    in. The customer row stays as a pseudonymous stub so the ledger's history still balances."""
    customer = lock_customer(customer)
    require_open(customer)
    balance_minor = wallet.book().balance_minor(customer_id=customer.pk, currency=customer.currency)
    if balance_minor != 0:
        raise errors.WalletNotEmpty(
            _("Spend or withdraw the wallet balance before closing the account."),
            balance_minor=balance_minor,
            currency=customer.currency,
        )
    if customer.data_key_blob or FaceTemplate.objects.filter(customer=customer).exists():
        biometrics_delete_locked(customer=customer, reason=BiometricDeletion.Reason.ACCOUNT_CLOSED)
    ConsentRecord.objects.filter(customer=customer).delete()
    FaceUse.objects.filter(customer=customer).delete()
    PaymentCode.objects.filter(customer=customer).delete()
    PhoneVerification.objects.filter(user=customer.user).delete()
    user = customer.user
    pseudonym = f"closed-{customer.pk}-{secrets.token_hex(4)}"
    user.username = pseudonym
    user.display_name = ""
    user.first_name = user.last_name = user.email = user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    customer.date_of_birth = None
    customer.guardian_name = ""
    customer.guardian_consent_at = None
    customer.phone_verified_at = None
    customer.payment_pin_hash = ""
    customer.is_face_pay_enabled = False
    customer.closed_at = timezone.now()
    customer.save()
    audit_event_record(
        actor=None, action="customer.account_closed", target=customer, ip_address=ip_address
    )
    return customer


def face_templates_purge_expired(*, now: datetime | None = None) -> int:
    """Delete templates unused for FACEPAY_TEMPLATE_RETENTION_DAYS and tell each customer.

    Idempotent (a second run finds nothing); returns how many were deleted.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FACEPAY_TEMPLATE_RETENTION_DAYS)
    expired = [
        template.customer_id
        for template in FaceTemplate.objects.all().only("customer_id", "created_at", "last_used_at")
        if selectors.template_last_activity(template) < cutoff
    ]
    deleted = 0
    for customer_id in expired:
        with transaction.atomic():
            customer = (
                Customer.objects.select_for_update().select_related("user").get(pk=customer_id)
            )
            template = FaceTemplate.objects.filter(customer=customer).first()
            if template is None or selectors.template_last_activity(template) >= cutoff:
                continue  # used or deleted meanwhile
            biometrics_delete_locked(customer=customer, reason=BiometricDeletion.Reason.RETENTION)
            transaction.on_commit(
                partial(_retention_notify, customer.user.phone, customer.user.email)
            )
            deleted += 1
    return deleted


def _retention_notify(phone: str, email: str) -> None:
    message = _(
        "FacePay Street: your face template was not used for %(days)s days and has been deleted. "
        "Enrol again in the portal to pay by face."
    ) % {"days": settings.FACEPAY_TEMPLATE_RETENTION_DAYS}
    if phone:
        sms.get_sender().send(phone=phone, message=message)
    if email:
        send_mail(_("Your face template was deleted"), message, None, [email], fail_silently=True)
