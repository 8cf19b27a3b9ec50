"""Operator screens: ledger rows are read-only; disputes are decided through the service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from facepay.admin_base import ReadOnlyAdmin
from facepay.errors import FacePayError
from facepay.permissions import signed_in_user
from payments import services
from payments.models import Account, Dispute, JournalEntry, PaymentAttempt, Refund, SettlementBatch


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "currency", "customer", "merchant", "balance_minor"]
    list_filter = ["kind", "currency"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "currency", "reference", "occurred_at"]
    list_filter = ["kind"]
    search_fields = ["reference"]


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "store",
        "amount_minor",
        "currency",
        "status",
        "decline_code",
        "similarity",
        "margin",
        "created_at",
    ]
    list_filter = ["status", "decline_code", "method"]
    search_fields = ["public_id", "idempotency_key"]
    exclude = ["customer"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "attempt", "amount_minor", "fee_minor", "currency", "created_at"]


@admin.register(SettlementBatch)
class SettlementBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "merchant",
        "business_date",
        "payment_count",
        "gross_minor",
        "fees_minor",
        "refunds_minor",
        "net_minor",
    ]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["id", "attempt", "status", "opened_at", "decided_at"]
    list_filter = ["status"]
    readonly_fields = ["evidence"]
    actions = ["uphold", "reject"]

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[Dispute], *, is_upheld: bool
    ) -> None:
        for dispute in queryset:
            try:
                services.dispute_decide(
                    dispute_id=dispute.pk, decided_by=signed_in_user(request), is_upheld=is_upheld
                )
            except FacePayError as exc:
                self.message_user(request, f"{dispute}: {exc.message}", messages.ERROR)

    @admin.action(description="Uphold: refund what is left of the payment")
    def uphold(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> None:
        self._decide(request, queryset, is_upheld=True)

    @admin.action(description="Reject")
    def reject(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> None:
        self._decide(request, queryset, is_upheld=False)
