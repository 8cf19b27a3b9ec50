"""What every customer endpoint shares: the client's address and agent, the signed-in-customer
base view, and the output serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.views import APIView

from customers import selectors
from customers.models import Customer
from facepay.models import User
from facepay.permissions import AuthenticatedRequest, has_role


def client_ip(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def client_agent(request: Any) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:400]


class CustomerApi(APIView):
    """Base: customer role, and `self.customer(request)` is the caller's own row."""

    permission_classes = [has_role(User.Role.CUSTOMER)]

    def customer(self, request: AuthenticatedRequest) -> Customer:
        return selectors.customer_for_user(user=request.user)


class ProfileOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    display_name = serializers.CharField(source="user.display_name")
    phone = serializers.CharField(source="user.phone")
    is_phone_verified = serializers.BooleanField()
    date_of_birth = serializers.DateField()
    currency = serializers.CharField()
    per_payment_limit_minor = serializers.IntegerField()
    daily_limit_minor = serializers.IntegerField()
    step_up_above_minor = serializers.IntegerField()
    confirm_free_up_to_minor = serializers.IntegerField()
    is_face_pay_enabled = serializers.BooleanField()
    is_lookalike_flagged = serializers.BooleanField()
    has_payment_pin = serializers.SerializerMethodField()

    def get_has_payment_pin(self, customer: Customer) -> bool:
        return bool(customer.payment_pin_hash)


class ConsentRecordOutput(serializers.Serializer):
    purpose = serializers.CharField()
    action = serializers.CharField()
    document_version = serializers.IntegerField(source="document.version")
    document_sha256 = serializers.CharField()
    at = serializers.DateTimeField()
    record_hash = serializers.CharField()


class TemplateOutput(serializers.Serializer):
    is_enrolled = serializers.BooleanField()
    created_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    model_version = serializers.CharField(allow_blank=True)
    quality = serializers.FloatField(allow_null=True)
    frame_count = serializers.IntegerField(allow_null=True)
    is_lookalike_flagged = serializers.BooleanField()


class DeletionOutput(serializers.Serializer):
    reason = serializers.CharField()
    deleted_at = serializers.DateTimeField()
    destroyed_key_id = serializers.CharField()
    receipt_hash = serializers.CharField()


class FaceUseOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    store_id = serializers.IntegerField()
    store_name = serializers.CharField()
    terminal_id = serializers.IntegerField()
    attempt_id = serializers.IntegerField()
    outcome = serializers.CharField()
    similarity = serializers.FloatField(allow_null=True)
    is_step_up_used = serializers.BooleanField()


class StatementLineOutput(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    kind = serializers.CharField()
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    balance_after_minor = serializers.IntegerField()
    reference = serializers.CharField()
    memo = serializers.CharField()
    payment_id = serializers.UUIDField(allow_null=True)
    merchant_name = serializers.CharField()
    store_name = serializers.CharField()


def template_payload(customer: Customer) -> dict[str, Any]:
    template = selectors.face_template_for(customer=customer)
    return {
        "is_enrolled": template is not None,
        "created_at": template.created_at if template else None,
        "last_used_at": template.last_used_at if template else None,
        "model_version": template.model_version if template else "",
        "quality": round(template.quality, 4) if template else None,
        "frame_count": template.frame_count if template else None,
        "is_lookalike_flagged": customer.is_lookalike_flagged,
    }
