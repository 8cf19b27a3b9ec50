"""The merchant portal's sales API (mounted under /api/merchants/ by facepay.urls): dashboard
figures and the payment, refund and settlement lists, scoped to the viewer's stores and merchants
through merchants.selectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from facepay.models import User
from facepay.permissions import has_role, signed_in_user
from merchants import selectors
from merchants.errors import MerchantForbidden
from payments.models import PaymentAttempt, Refund, SettlementBatch
from payments.sales import dashboard

PORTAL_ROLES = (User.Role.MERCHANT_OWNER, User.Role.STORE_STAFF, User.Role.OPERATOR)
MANAGER_ROLES = (User.Role.MERCHANT_OWNER, User.Role.OPERATOR)


class MerchantScopeInput(serializers.Serializer):
    store = serializers.IntegerField(required=False, min_value=1)
    merchant = serializers.IntegerField(required=False, min_value=1)
    days = serializers.ChoiceField(choices=dashboard.PERIODS, required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


@dataclass(frozen=True)
class Scope:
    store_ids: list[int]
    start: date
    end: date


def scope_for(request: Request) -> Scope:
    """Stores and days the request asks for, refused when it reaches beyond the viewer's rows.

    Raises StoreForbidden (a store the viewer may not see), MerchantForbidden (another
    merchant), invalid_input on malformed parameters.
    """
    payload = MerchantScopeInput(data=request.query_params)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    store_ids = selectors.store_ids_in_scope(
        user=signed_in_user(request), store_id=data.get("store"), merchant_id=data.get("merchant")
    )
    end = data.get("end") or dashboard.today_local()
    start = data.get("start") or end - timedelta(days=data.get("days", 30) - 1)
    if start > end:
        start, end = end, start
    return Scope(store_ids=store_ids, start=start, end=end)


class DashboardFiguresOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    currency = serializers.CharField()
    payments = serializers.IntegerField()
    gross_minor = serializers.IntegerField()
    fees_minor = serializers.IntegerField()
    refunds = serializers.IntegerField()
    refunds_minor = serializers.IntegerField()
    net_minor = serializers.IntegerField()
    average_ticket_minor = serializers.IntegerField()
    unique_customers = serializers.IntegerField()
    repeat_customers = serializers.IntegerField()


class DashboardDayOutput(serializers.Serializer):
    day = serializers.DateField()
    payments = serializers.IntegerField()
    gross_minor = serializers.IntegerField()


class DashboardHeatOutput(serializers.Serializer):
    weekday = serializers.IntegerField()
    hour = serializers.IntegerField()
    payments = serializers.IntegerField()
    gross_minor = serializers.IntegerField()


class DashboardOutput(serializers.Serializer):
    store_ids = serializers.ListField(child=serializers.IntegerField())
    today = DashboardFiguresOutput()
    period = DashboardFiguresOutput()
    days = DashboardDayOutput(many=True)
    heat = DashboardHeatOutput(many=True)


class MerchantDashboardApi(APIView):
    """Dashboard figures for the viewer's stores (filters: store, merchant, days, start, end)."""

    permission_classes = [has_role(*PORTAL_ROLES)]

    @extend_schema(parameters=[MerchantScopeInput], responses=DashboardOutput)
    def get(self, request: Request) -> Response:
        scope = scope_for(request)
        board = dashboard.dashboard(store_ids=scope.store_ids, start=scope.start, end=scope.end)
        return Response(
            DashboardOutput(
                {
                    "store_ids": scope.store_ids,
                    "today": board.today,
                    "period": board.period,
                    "days": board.days,
                    "heat": board.heat,
                }
            ).data
        )


class MerchantPaymentOutput(serializers.ModelSerializer):
    store_id = serializers.IntegerField()
    terminal_id = serializers.IntegerField()

    class Meta:
        model = PaymentAttempt
        fields = [
            "public_id",
            "store_id",
            "terminal_id",
            "method",
            "amount_minor",
            "fee_minor",
            "refunded_minor",
            "currency",
            "captured_at",
        ]


class MerchantPaymentListApi(ListAPIView):
    """Captured payments of the viewer's stores, newest first (no customer identities)."""

    permission_classes = [has_role(*PORTAL_ROLES)]
    serializer_class = MerchantPaymentOutput

    @extend_schema(parameters=[MerchantScopeInput], responses=MerchantPaymentOutput(many=True))
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        scope = scope_for(self.request)
        return dashboard.payments_for_export(
            store_ids=scope.store_ids, start=scope.start, end=scope.end
        ).order_by("-captured_at", "-id")


class MerchantRefundOutput(serializers.ModelSerializer):
    payment_id = serializers.UUIDField(source="attempt.public_id")
    store_id = serializers.IntegerField(source="attempt.store_id")

    class Meta:
        model = Refund
        fields = [
            "id",
            "payment_id",
            "store_id",
            "amount_minor",
            "currency",
            "reason",
            "created_at",
        ]


class MerchantRefundListApi(ListAPIView):
    """Refunds on the viewer's stores' payments in the period, newest first."""

    permission_classes = [has_role(*PORTAL_ROLES)]
    serializer_class = MerchantRefundOutput

    @extend_schema(parameters=[MerchantScopeInput], responses=MerchantRefundOutput(many=True))
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        scope = scope_for(self.request)
        return (
            dashboard.refunds_in(
                store_ids=scope.store_ids,
                start=scope.start,
                end=scope.end,
                currency=settings.FACEPAY_CURRENCY,
            )
            .select_related("attempt")
            .order_by("-created_at", "-id")
        )


class MerchantSettlementOutput(serializers.ModelSerializer):
    merchant_id = serializers.IntegerField()

    class Meta:
        model = SettlementBatch
        fields = [
            "id",
            "merchant_id",
            "business_date",
            "currency",
            "payment_count",
            "refund_count",
            "gross_minor",
            "fees_minor",
            "refunds_minor",
            "net_minor",
            "created_at",
        ]


class MerchantSettlementListApi(ListAPIView):
    """Settlement batches of the owner's merchants (operators: all), newest first."""

    permission_classes = [has_role(*MANAGER_ROLES)]
    serializer_class = MerchantSettlementOutput

    @extend_schema(parameters=[MerchantScopeInput], responses=MerchantSettlementOutput(many=True))
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        merchants = list(selectors.merchant_list_for_user(user=signed_in_user(self.request)))
        if merchant_id := self.request.query_params.get("merchant"):
            if not merchant_id.isdigit():
                raise MerchantForbidden(_("You may not see this merchant."))
            merchants = [
                selectors.merchant_get_for_user(
                    user=signed_in_user(self.request), merchant_id=int(merchant_id)
                )
            ]
        return dashboard.settlement_batches(merchant_ids=[m.pk for m in merchants])
