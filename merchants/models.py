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
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.DRAFT)
    fee_rate_bps = models.PositiveIntegerField(default=60)  # merchant discount rate: 60 = 0.60 %
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="merchant_credit_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="stores")
    name = models.CharField(_("store name"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

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
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.store} / {self.name}"
