"""Merchants, their stores, store staff and counter terminals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Merchant(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        MORE_INFO_REQUESTED = "more_info_requested", _("More information requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Trade(models.TextChoices):
        RESTAURANT = "restaurant", _("Restaurant")
        TEAHOUSE = "teahouse", _("Tea house")
        BAKERY = "bakery", _("Bakery")
        GROCERY = "grocery", _("Grocery")
        FRUIT = "fruit", _("Fruit shop")
        PHARMACY = "pharmacy", _("Pharmacy")
        CLOTHING = "clothing", _("Clothing")
        SHOES = "shoes", _("Shoes and leather")
        ELECTRONICS = "electronics", _("Electronics")
        BOOKS = "books", _("Books and stationery")
        SALON = "salon", _("Hair salon")
        OTHER = "other", _("Other")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merchants"
    )
    name = models.CharField(_("business name"), max_length=120)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    trade = models.CharField(_("trade"), max_length=32, choices=Trade.choices)
    address = models.CharField(_("address on the street"), max_length=200, blank=True)
    owner_legal_name = models.CharField(_("owner's legal name"), max_length=100, blank=True)
    bank_name = models.CharField(_("settlement bank"), max_length=100, blank=True)
    bank_account_holder = models.CharField(_("account holder"), max_length=100, blank=True)
    # The account number sealed with facepay.crypto (aad b"merchant-bank:<pk>"); pages show
    # only the last four digits, kept in clear for that purpose.
    bank_account_sealed = models.TextField(blank=True)
    bank_account_last4 = models.CharField(max_length=4, blank=True)
    licence_file = models.FileField(upload_to="merchants/licences/", blank=True)
    licence_content_type = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.TextField(blank=True)  # the reviewer's last reason, shown to the owner
    fee_rate_bps = models.PositiveIntegerField(default=60)  # merchant discount rate: 60 = 0.60 %
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)  # last review decision
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="merchant_credit_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def bank_account_masked(self) -> str:
        return f"**** **** {self.bank_account_last4}" if self.bank_account_last4 else ""


class MerchantStatusChange(models.Model):
    """Append-only history of an application's status: who moved it, when and why."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=32, choices=Merchant.Status.choices)
    to_status = models.CharField(max_length=32, choices=Merchant.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merchant status change")
        verbose_name_plural = _("merchant status changes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.merchant}: {self.from_status} → {self.to_status}"


class Store(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="stores")
    name = models.CharField(_("store name"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name


class StoreStaff(models.Model):
    """A cashier's assignment to one store; a cashier sees only the stores assigned here."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("store staff member")
        verbose_name_plural = _("store staff")
        constraints = [models.UniqueConstraint(fields=["store", "user"], name="store_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store}"


class Terminal(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="terminals")
    name = models.CharField(_("terminal name"), max_length=80)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # Public device key id sent as X-Terminal-Id; null until credentials are issued.
    key_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    # The HMAC secret, sealed with facepay.crypto (aad b"terminal-secret:<key_id>"): the server
    # must recompute signatures, so it keeps the secret itself, never a hash of it.
    secret_sealed = models.TextField(blank=True)
    secret_issued_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Too many wrong phone digits, PINs or payment codes keyed here within an hour: no payment
    # is taken until the owner or an operator resumes it.
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")

    def __str__(self) -> str:
        return f"{self.store} / {self.name}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class TerminalNonce(models.Model):
    """A nonce a terminal has used, kept for its replay window (embedded mode's nonce store).

    With Redis configured the nonces live in Redis instead (merchants.nonces): this table is the
    store that survives restarts and is shared by processes when there is no Redis."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    used_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("terminal nonce")
        verbose_name_plural = _("terminal nonces")
        constraints = [
            models.UniqueConstraint(fields=["terminal", "nonce"], name="terminal_nonce_unique")
        ]

    def __str__(self) -> str:
        return f"{self.terminal_id}:{self.nonce}"
