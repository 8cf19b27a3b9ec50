"""Words for codes that pages show: audit actions, their targets and the health components.

The codes stay stable in the database, logs and API; a page shows the reader these words, in
the reader's language. A code without a word here is shown as it is, so the Chinese page test
(tests/facepay/test_chinese_everywhere.py) names it.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

AUDIT_ACTIONS: dict[str, Promise] = {
    "consent.given": _("Consent given"),
    "consent.withdrawn": _("Consent withdrawn"),
    "credit.contest_accepted": _("Score contest accepted"),
    "credit.contest_opened": _("Score contest opened"),
    "credit.outcomes_uploaded": _("Loan outcomes uploaded"),
    "credit.override_approved": _("Score override approved"),
    "credit.override_requested": _("Score override requested"),
    "credit.promotion_approved": _("Model promotion approved"),
    "credit.promotion_requested": _("Model promotion requested"),
    "credit.rescored": _("Merchant rescored"),
    "credit.run_started": _("Scoring run started"),
    "credit.table_revised": _("Points table revised"),
    "customer.account_closed": _("Customer account closed"),
    "customer.face_pay_enabled": _("Face pay switched on"),
    "customer.face_pay_paused": _("Face pay paused"),
    "customer.face_pay_resumed": _("Face pay resumed"),
    "customer.limits_changed": _("Payment limits changed"),
    "customer.payment_code_issued": _("Payment code issued"),
    "customer.payment_code_void": _("Payment code voided"),
    "customer.phone_verified": _("Phone number verified"),
    "customer.pin_failed": _("Wrong payment PIN"),
    "customer.pin_set": _("Payment PIN set"),
    "customer.signed_up": _("Customer signed up"),
    "face.deleted": _("Face template deleted"),
    "face.enrolled": _("Face enrolled"),
    "merchant.application_created": _("Merchant application created"),
    "merchant.draft": _("Merchant application back to draft"),
    "merchant.submitted": _("Merchant application submitted"),
    "merchant.under_review": _("Merchant application under review"),
    "merchant.more_info_requested": _("More information requested from merchant"),
    "merchant.approved": _("Merchant approved"),
    "merchant.rejected": _("Merchant rejected"),
    "merchant_owner.signed_up": _("Merchant owner signed up"),
    "store.created": _("Store created"),
    "store_staff.invited": _("Cashier invited"),
    "store_staff.removed": _("Cashier removed"),
    "terminal.paused": _("Terminal paused"),
    "terminal.registered": _("Terminal registered"),
    "terminal.resumed": _("Terminal resumed"),
    "terminal.revoked": _("Terminal revoked"),
    "terminal.secret_rotated": _("Terminal secret rotated"),
}

HEALTH_COMPONENTS: dict[str, Promise] = {
    "database": _("Database"),
    "cache": _("Cache"),
    "celery_broker": _("Task broker"),
    "channel_layer": _("Live channel layer"),
    "face_models": _("Face models"),
    "worker": _("Background worker"),
    "queue": _("Task queue"),
}


def audit_action_label(action: str) -> str:
    """The reader's words for an audit action code (the code itself when it has none)."""
    label = AUDIT_ACTIONS.get(action)
    return str(label) if label is not None else action


def audit_target_label(target_type: str) -> str:
    """The model's name for an audit target ("merchants.merchant" → "商户")."""
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return target_type
    return str(model._meta.verbose_name)


def health_component_label(name: str) -> str:
    label = HEALTH_COMPONENTS.get(name)
    return str(label) if label is not None else name


# Django 5.2's own Chinese catalogue lacks these admin-index captions; the project catalogue
# (settings.LOCALE_PATHS, looked up first) carries them.
DJANGO_ADMIN_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)
