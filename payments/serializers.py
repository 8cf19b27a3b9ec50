"""Output serializers shared by the REST detail endpoints and the websocket payloads."""

from __future__ import annotations

from rest_framework import serializers

from payments.models import PaymentAttempt, Refund


class RefundOutput(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["id", "amount_minor", "currency", "reason", "created_at"]


class PaymentAttemptOutput(serializers.ModelSerializer):
    """What a terminal (and the store dashboard) sees of an attempt: never a face or a score."""

    id = serializers.UUIDField(source="public_id")
    terminal_id = serializers.IntegerField()
    store_id = serializers.IntegerField()
    customer_name = serializers.CharField(source="customer_masked_name")
    refundable_minor = serializers.IntegerField()

    class Meta:
        model = PaymentAttempt
        fields = [
            "id",
            "terminal_id",
            "store_id",
            "idempotency_key",
            "method",
            "amount_minor",
            "currency",
            "status",
            "decline_code",
            "liveness_challenge",
            "liveness_reason",
            "customer_name",
            "step_up_failures",
            "is_confirm_free",
            "fee_minor",
            "refunded_minor",
            "refundable_minor",
            "created_at",
            "expires_at",
            "recognising_at",
            "step_up_required_at",
            "awaiting_confirmation_at",
            "captured_at",
            "declined_at",
            "cancelled_at",
            "expired_at",
        ]
        read_only_fields = fields
