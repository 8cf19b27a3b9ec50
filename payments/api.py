"""Terminal API (HMAC-signed by the counter device) and the staff refund endpoint."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from facepay.models import User
from facepay.parsing import StrictIntegerField
from facepay.permissions import AuthenticatedRequest, has_role
from merchants import selectors as merchant_selectors
from merchants.authentication import (
    IsSignedTerminal,
    TerminalRequest,
    TerminalSignatureAuthentication,
)
from payments import errors, selectors, services
from payments.serializers import PaymentAttemptOutput, RefundOutput


class TerminalApi(APIView):
    authentication_classes = [TerminalSignatureAuthentication]  # request.auth is the Terminal
    permission_classes = [IsSignedTerminal]


def _decode_base64(value: str, *, field: str) -> bytes:
    if "," in value[:64] and value.startswith("data:"):
        value = value.split(",", 1)[1]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.FramesInvalid(f"{field} is not valid base64.") from exc


class PaymentAttemptCreateApi(TerminalApi):
    """Start a face payment: answers 201 at once with the attempt and its liveness challenge
    (blink, turn_left, turn_right or nod, drawn by the server). The terminal shows it, records a
    burst and posts it to `burst/`. The old shape (1-3 stills in `frames`, a `depth` map) is
    refused with `burst_required`: a still proves no live person."""

    @extend_schema_serializer(component_name="PaymentAttemptCreateInput")
    class InputSerializer(serializers.Serializer):
        amount_minor = StrictIntegerField()
        currency = serializers.CharField(min_length=3, max_length=3)
        idempotency_key = serializers.RegexField(r"^[A-Za-z0-9_\-:.]{1,64}$")

    @extend_schema(request=InputSerializer, responses={201: PaymentAttemptOutput})
    def post(self, request: TerminalRequest) -> Response:
        data: Any = request.data
        if request.FILES or any(name in data for name in ("frames", "depth")):
            raise errors.BurstRequired(
                _(
                    "Single frames are not accepted: create the attempt, show its challenge "
                    "and post a recording of 10 to 20 frames to its burst address."
                )
            )
        payload = self.InputSerializer(data=data)
        payload.is_valid(raise_exception=True)
        services.recognition_require_available()
        attempt = services.payment_attempt_create(terminal=request.auth, **payload.validated_data)
        return Response(PaymentAttemptOutput(attempt).data, status=status.HTTP_201_CREATED)


class PaymentAttemptBurstApi(TerminalApi):
    """The burst of a face attempt: 10-20 JPEG frames (base64) recorded under its challenge, each
    with its capture time (`timestamps_ms`, the terminal's epoch milliseconds); answers 202 and
    recognition runs in the background. A malformed burst is refused with its stable code
    (burst_too_few_frames, burst_not_continuous, burst_predates_challenge, ...) and declines
    the attempt."""

    @extend_schema_serializer(component_name="PaymentAttemptBurstInput")
    class InputSerializer(serializers.Serializer):
        frames = serializers.ListField(child=serializers.CharField(), max_length=40)
        timestamps_ms = serializers.ListField(
            child=serializers.FloatField(min_value=0, max_value=1e14), max_length=40
        )

    @extend_schema(request=InputSerializer, responses={202: PaymentAttemptOutput})
    def post(self, request: TerminalRequest, attempt_id: str) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = payload.validated_data
        attempt = services.payment_attempt_burst_submit(
            terminal=request.auth,
            attempt_id=attempt_id,
            frames=[_decode_base64(frame, field="frames") for frame in values["frames"]],
            timestamps_ms=list(values["timestamps_ms"]),
        )
        return Response(PaymentAttemptOutput(attempt).data, status=status.HTTP_202_ACCEPTED)


class PaymentAttemptCodeApi(TerminalApi):
    """The non-face path: a one-time payment code, or phone + PIN."""

    @extend_schema_serializer(component_name="PaymentAttemptCodeInput")
    class InputSerializer(serializers.Serializer):
        amount_minor = StrictIntegerField()
        currency = serializers.CharField(min_length=3, max_length=3)
        idempotency_key = serializers.RegexField(r"^[A-Za-z0-9_\-:.]{1,64}$")
        payment_code = serializers.CharField(required=False, allow_blank=True, max_length=16)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
        pin = serializers.CharField(required=False, allow_blank=True, max_length=12)

    @extend_schema(request=InputSerializer, responses={201: PaymentAttemptOutput})
    def post(self, request: TerminalRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        attempt = services.payment_attempt_create_with_code(
            terminal=request.auth, **payload.validated_data
        )
        return Response(PaymentAttemptOutput(attempt).data, status=status.HTTP_201_CREATED)


class PaymentAttemptDetailApi(TerminalApi):
    @extend_schema(responses=PaymentAttemptOutput)
    def get(self, request: TerminalRequest, attempt_id: str) -> Response:
        attempt = selectors.attempt_for_terminal(terminal=request.auth, attempt_id=attempt_id)
        return Response(PaymentAttemptOutput(attempt).data)


class PaymentAttemptStepUpApi(TerminalApi):
    @extend_schema_serializer(component_name="PaymentAttemptStepUpInput")
    class InputSerializer(serializers.Serializer):
        phone_last4 = serializers.RegexField(r"^[0-9]{4}$")

    @extend_schema(request=InputSerializer, responses=PaymentAttemptOutput)
    def post(self, request: TerminalRequest, attempt_id: str) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        attempt = services.payment_attempt_step_up(
            terminal=request.auth, attempt_id=attempt_id, **payload.validated_data
        )
        return Response(PaymentAttemptOutput(attempt).data)


class PaymentAttemptConfirmApi(TerminalApi):
    @extend_schema(request=None, responses=PaymentAttemptOutput)
    def post(self, request: TerminalRequest, attempt_id: str) -> Response:
        attempt = services.payment_attempt_confirm(terminal=request.auth, attempt_id=attempt_id)
        return Response(PaymentAttemptOutput(attempt).data)


class PaymentAttemptCancelApi(TerminalApi):
    @extend_schema(request=None, responses=PaymentAttemptOutput)
    def post(self, request: TerminalRequest, attempt_id: str) -> Response:
        attempt = services.payment_attempt_cancel(terminal=request.auth, attempt_id=attempt_id)
        return Response(PaymentAttemptOutput(attempt).data)


class RefundInput(serializers.Serializer):
    amount_minor = StrictIntegerField()
    idempotency_key = serializers.RegexField(r"^[A-Za-z0-9_\-:.]{1,64}$")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PaymentAttemptRefundApi(TerminalApi):
    """Refund part or all of a payment of this terminal's store (no face re-scan)."""

    @extend_schema(request=RefundInput, responses={201: RefundOutput})
    def post(self, request: TerminalRequest, attempt_id: str) -> Response:
        payload = RefundInput(data=request.data)
        payload.is_valid(raise_exception=True)
        refund = services.refund_create(
            attempt_id=attempt_id, terminal=request.auth, **payload.validated_data
        )
        return Response(RefundOutput(refund).data, status=status.HTTP_201_CREATED)


class PaymentRefundApi(APIView):
    """A merchant owner or cashier refunds a payment of a store they may see (session): a
    cashier only in the stores they are assigned to."""

    permission_classes = [
        has_role(User.Role.MERCHANT_OWNER, User.Role.STORE_STAFF, User.Role.OPERATOR)
    ]

    @extend_schema(request=RefundInput, responses={201: RefundOutput})
    def post(self, request: AuthenticatedRequest, attempt_id: str) -> Response:
        payload = RefundInput(data=request.data)
        payload.is_valid(raise_exception=True)
        store_ids = list(
            merchant_selectors.store_list_for_user(user=request.user).values_list("pk", flat=True)
        )
        refund = services.refund_create(
            attempt_id=attempt_id,
            store_ids=store_ids,
            requested_by=request.user,
            **payload.validated_data,
        )
        return Response(RefundOutput(refund).data, status=status.HTTP_201_CREATED)


class DisputeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    payment_id = serializers.UUIDField(source="attempt.public_id")
    status = serializers.CharField()
    reason = serializers.CharField()
    opened_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class DisputeOpenApi(APIView):
    """A customer flags one of their payments ("that wasn't me"); an operator decides."""

    permission_classes = [has_role(User.Role.CUSTOMER)]

    @extend_schema_serializer(component_name="DisputeOpenInput")
    class InputSerializer(serializers.Serializer):
        payment_id = serializers.UUIDField()
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses={201: DisputeOutput})
    def post(self, request: AuthenticatedRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer_id = selectors.customer_id_for_user(user=request.user)
        dispute = services.dispute_open(
            customer_id=customer_id,
            attempt_id=payload.validated_data["payment_id"],
            reason=payload.validated_data["reason"],
        )
        return Response(DisputeOutput(dispute).data, status=status.HTTP_201_CREATED)
