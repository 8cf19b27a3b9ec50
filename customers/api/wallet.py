"""The wallet (balance, statement, top-up, withdrawal) and the payment controls (limits,
face pay on/off, PIN, one-time payment codes)."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiTypes, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from customers import exports, services, wallet
from customers.api.base import CustomerApi, ProfileOutput, StatementLineOutput
from facepay.permissions import AuthenticatedRequest


class WalletApi(CustomerApi):
    """Balance and every wallet movement (from the ledger), newest first."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: AuthenticatedRequest) -> Response:
        customer = self.customer(request)
        lines = wallet.book().statement(customer_id=customer.pk)
        return Response(
            {
                "currency": customer.currency,
                "balance_minor": wallet.book().balance_minor(
                    customer_id=customer.pk, currency=customer.currency
                ),
                "statement": StatementLineOutput(lines, many=True).data,
            }
        )


class WalletTopUpApi(CustomerApi):
    """Top up from a simulated bank card; only the brand and the last 4 digits are kept."""

    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema_serializer(component_name="CustomerWalletTopUpInput")
    class InputSerializer(serializers.Serializer):
        amount_minor = serializers.IntegerField()
        card_brand = serializers.CharField(max_length=20)
        card_number = serializers.RegexField(r"^[0-9 ]{12,23}$")
        idempotency_key = serializers.CharField(max_length=64, required=False)

    @staticmethod
    def move(**movement: Any) -> wallet.Movement:
        return wallet.book().top_up(**movement)

    @extend_schema(request=InputSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: AuthenticatedRequest) -> Response:
        customer = self.customer(request)
        services.require_open(customer)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        digits = data["card_number"].replace(" ", "")
        entry = self.move(
            customer_id=customer.pk,
            amount_minor=data["amount_minor"],
            currency=customer.currency,
            card_brand=data["card_brand"],
            card_last4=digits[-4:],
            idempotency_key=data.get("idempotency_key") or uuid.uuid4().hex,
        )
        return Response(
            {
                "reference": entry.reference,
                "balance_minor": wallet.book().balance_minor(
                    customer_id=customer.pk, currency=customer.currency
                ),
                "currency": customer.currency,
            },
            status=status.HTTP_201_CREATED,
        )


class WalletWithdrawApi(WalletTopUpApi):
    """Withdraw to a simulated bank card (at most the balance: `insufficient_balance`)."""

    @staticmethod
    def move(**movement: Any) -> wallet.Movement:
        return wallet.book().withdraw(**movement)


class LimitsApi(CustomerApi):
    """Per-payment, daily, step-up and confirm-free amounts (fen)."""

    @extend_schema_serializer(component_name="CustomerLimitsInput")
    class InputSerializer(serializers.Serializer):
        per_payment_limit_minor = serializers.IntegerField()
        daily_limit_minor = serializers.IntegerField()
        step_up_above_minor = serializers.IntegerField()
        # Left out = 0: a client that does not know the setting always gets the tap.
        confirm_free_up_to_minor = serializers.IntegerField(required=False, default=0)

    @extend_schema(request=InputSerializer, responses=ProfileOutput)
    def put(self, request: AuthenticatedRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = services.customer_limits_update(
            customer=self.customer(request), **payload.validated_data
        )
        return Response(ProfileOutput(customer).data)


class FacePaySwitchApi(CustomerApi):
    """Face payment on or off (off is an instant freeze at every terminal)."""

    @extend_schema_serializer(component_name="CustomerFacePaySwitchInput")
    class InputSerializer(serializers.Serializer):
        is_enabled = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=ProfileOutput)
    def post(self, request: AuthenticatedRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = services.customer_face_pay_set(
            customer=self.customer(request), is_enabled=payload.validated_data["is_enabled"]
        )
        return Response(ProfileOutput(customer).data)


class PaymentPinApi(CustomerApi):
    """Set the 6-digit payment PIN for paying without the face."""

    @extend_schema_serializer(component_name="CustomerPaymentPinInput")
    class InputSerializer(serializers.Serializer):
        pin = serializers.CharField(max_length=12)

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request: AuthenticatedRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.payment_pin_set(customer=self.customer(request), pin=payload.validated_data["pin"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PaymentCodeApi(CustomerApi):
    """Issue a one-time payment code (6 digits + QR as SVG), valid 60 seconds."""

    @extend_schema(request=None, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: AuthenticatedRequest) -> Response:
        issued = services.payment_code_issue(customer=self.customer(request))
        return Response(
            {
                "code": issued.code,
                "expires_at": issued.expires_at,
                "qr_svg": exports.qr_svg(issued.code),
            },
            status=status.HTTP_201_CREATED,
        )
