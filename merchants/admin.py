"""Operator screens: read-mostly lists; every change goes through merchants.services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from facepay.errors import FacePayError
from facepay.permissions import signed_in_user
from merchants import services
from merchants.models import Merchant, MerchantStatusChange, Store, StoreStaff, Terminal


class StatusChangeInline(admin.TabularInline):
    model = MerchantStatusChange
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _apply(request: HttpRequest, queryset: QuerySet[Merchant], action: str) -> None:
    done = 0
    for merchant in queryset:
        try:
            if action == "start_review":
                services.merchant_review_start(actor=signed_in_user(request), merchant=merchant)
            else:
                services.merchant_approve(actor=signed_in_user(request), merchant=merchant)
        except FacePayError as error:
            messages.error(request, f"{merchant}: {error.message}")
        else:
            done += 1
    if done:
        messages.success(request, _("%(count)d application(s) updated.") % {"count": done})


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "credit_code",
        "trade",
        "status",
        "submitted_at",
        "approved_at",
        "owner",
    ]
    list_filter = ["status", "trade"]
    search_fields = ["name", "credit_code", "owner__username"]
    readonly_fields = [
        "owner",
        "name",
        "credit_code",
        "trade",
        "address",
        "owner_legal_name",
        "bank_name",
        "bank_account_holder",
        "bank_account_masked",
        "licence_file",
        "status",
        "status_reason",
        "created_at",
        "submitted_at",
        "reviewed_at",
        "approved_at",
    ]
    exclude = ["bank_account_sealed", "bank_account_last4", "licence_content_type"]
    inlines = [StatusChangeInline]
    actions = ["start_review", "approve"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # merchants apply through the portal

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Start review of the selected applications"))
    def start_review(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> None:
        _apply(request, queryset, "start_review")

    @admin.action(description=_("Approve the selected applications (under review)"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> None:
        _apply(request, queryset, "approve")


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "address", "created_at"]
    search_fields = ["name", "merchant__name"]
    readonly_fields = ["merchant", "created_at"]


@admin.register(StoreStaff)
class StoreStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "store", "created_at"]
    search_fields = ["user__username", "store__name"]


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "key_id", "status", "secret_issued_at", "last_seen_at"]
    list_filter = ["status"]
    search_fields = ["name", "key_id", "store__name"]
    fields = (
        "store",
        "name",
        "key_id",
        "status",
        "secret_issued_at",
        "revoked_at",
        "last_seen_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registered by the owner, so the secret is shown to them only

    @admin.action(description=_("Revoke the selected terminals"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Terminal]) -> None:
        for terminal in queryset:
            services.terminal_revoke(actor=signed_in_user(request), terminal=terminal)
        messages.success(request, _("Terminals revoked."))
