"""Credit API (namespace credit_api): the same reads and writes as the finance portal, plus the
merchant's own scores. Merchant-level data only: never a customer identity."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from credit import errors, selectors, services
from credit.models import CreditScore, ScoreModel, ScoreOverride
from facepay.models import User
from facepay.permissions import AuthenticatedRequest, has_role

Role = User.Role
FINANCE = has_role(Role.FINANCE_REVIEWER, Role.OPERATOR)


class ScoreOutput(serializers.ModelSerializer):
    merchant_name = serializers.CharField(source="merchant.name")
    credit_code = serializers.CharField(source="merchant.credit_code")
    model_version = serializers.CharField(source="model.version")

    class Meta:
        model = CreditScore
        fields = [
            "id",
            "merchant_id",
            "merchant_name",
            "credit_code",
            "period_start",
            "period_end",
            "status",
            "score",
            "tier",
            "inputs",
            "points",
            "reasons",
            "insufficient",
            "model_version",
            "trigger",
            "computed_at",
        ]


class OverrideOutput(serializers.ModelSerializer):
    class Meta:
        model = ScoreOverride
        fields = [
            "id",
            "score_id",
            "merchant_id",
            "new_tier",
            "justification",
            "status",
            "requested_by_id",
            "requested_at",
            "decided_by_id",
            "decided_at",
            "decision_note",
        ]


class RankedOutput(serializers.Serializer):
    merchant_id = serializers.IntegerField(source="merchant.pk")
    merchant_name = serializers.CharField(source="merchant.name")
    trade = serializers.CharField(source="merchant.trade")
    effective_tier = serializers.CharField()
    change = serializers.IntegerField(allow_null=True)
    score = ScoreOutput(allow_null=True)


class ScoreListApi(APIView):
    permission_classes = [FINANCE]

    class FilterSerializer(serializers.Serializer):
        trade = serializers.CharField(required=False, allow_blank=True, default="")
        # allow_blank keeps "" out of the enum: OpenAPI forbids an empty enum value here.
        tier = serializers.ChoiceField(
            choices=[*"ABCDE"], required=False, allow_blank=True, default=""
        )
        change = serializers.ChoiceField(
            choices=["up", "down", "flat"], required=False, allow_blank=True, default=""
        )
        insufficient = serializers.ChoiceField(
            choices=["yes", "no"], required=False, allow_blank=True, default=""
        )

    @extend_schema(parameters=[FilterSerializer], responses=RankedOutput(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = selectors.score_list_for_finance(user=request.user, **filters.validated_data)
        return Response(RankedOutput(rows, many=True).data)


class MerchantScoreApi(APIView):
    """Finance: any approved merchant. A merchant owner: only its own (others are refused
    as if missing, code credit_score_not_visible)."""

    permission_classes = [has_role(Role.FINANCE_REVIEWER, Role.OPERATOR, Role.MERCHANT_OWNER)]

    @extend_schema(responses=ScoreOutput(many=True))
    def get(self, request: AuthenticatedRequest, merchant_id: int) -> Response:
        if selectors.is_finance(request.user):
            merchant = selectors.merchant_for_finance(user=request.user, merchant_id=merchant_id)
        else:
            merchant = (
                selectors.merchants_owned_by(user=request.user).filter(pk=merchant_id).first()
            )
        if merchant is None:
            raise errors.ScoreNotVisible(_("No such score."))
        history = list(reversed(selectors.score_history(merchant=merchant)))
        return Response(ScoreOutput(history, many=True).data)


class MyScoresApi(APIView):
    permission_classes = [has_role(Role.MERCHANT_OWNER)]

    @extend_schema(responses=ScoreOutput(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        rows = [
            selectors.ranked_merchant(m).score
            for m in selectors.merchants_owned_by(user=request.user)
        ]
        return Response(ScoreOutput([r for r in rows if r is not None], many=True).data)


class OverrideCreateApi(APIView):
    permission_classes = [FINANCE]

    class InputSerializer(serializers.Serializer):
        new_tier = serializers.CharField(max_length=1)
        justification = serializers.CharField(allow_blank=True, required=False, default="")

    @extend_schema(request=InputSerializer, responses={201: OverrideOutput})
    def post(self, request: AuthenticatedRequest, score_id: int) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        score = get_object_or_404(CreditScore, pk=score_id)
        override = services.score_override_request(
            actor=request.user, score=score, **payload.validated_data
        )
        return Response(OverrideOutput(override).data, status=status.HTTP_201_CREATED)


class OverrideDecideApi(APIView):
    permission_classes = [FINANCE]

    class InputSerializer(serializers.Serializer):
        approve = serializers.BooleanField()
        note = serializers.CharField(allow_blank=True, required=False, default="")

    @extend_schema(request=InputSerializer, responses=OverrideOutput)
    def post(self, request: AuthenticatedRequest, override_id: int) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        override = get_object_or_404(ScoreOverride, pk=override_id)
        override = services.score_override_decide(
            actor=request.user, override=override, **payload.validated_data
        )
        return Response(OverrideOutput(override).data)


class ModelOutput(serializers.ModelSerializer):
    class Meta:
        model = ScoreModel
        fields = ["id", "version", "kind", "status", "metrics", "card", "table", "created_at"]


class OutcomesUploadApi(APIView):
    permission_classes = [FINANCE]
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(request=InputSerializer, responses={201: ModelOutput})
    def post(self, request: AuthenticatedRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        model = services.outcomes_upload_and_fit(
            actor=request.user, file_name=upload.name, content=upload.read()
        )
        return Response(ModelOutput(model).data, status=status.HTTP_201_CREATED)
