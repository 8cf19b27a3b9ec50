"""Platform API: who am I."""

from __future__ import annotations

from datetime import UTC, datetime

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from facepay import reauthentication, selectors, sign_in
from facepay.forms import client_address
from facepay.permissions import AuthenticatedRequest


class MeApi(APIView):
    """The signed-in user, their role and their home page."""

    @extend_schema_serializer(component_name="MeOutput")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        display_name = serializers.CharField()
        role = serializers.CharField()
        home_url = serializers.CharField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        user = request.user
        data = {
            "id": user.pk,
            "username": user.username,
            "display_name": str(user),
            "role": user.role,
            "home_url": selectors.home_url_for(user),
        }
        return Response(self.OutputSerializer(data).data)


class ReauthenticateApi(APIView):
    """Confirm it is you (password or a one-time sign-in code) before a withdrawal; counts for
    FACEPAY_REAUTHENTICATION_SECONDS in this session."""

    @extend_schema_serializer(component_name="ReauthenticateInput")
    class InputSerializer(serializers.Serializer):
        password = serializers.CharField(
            max_length=128, required=False, allow_blank=True, trim_whitespace=False
        )
        code = serializers.CharField(max_length=12, required=False, allow_blank=True)

    @extend_schema_serializer(component_name="ReauthenticateOutput")
    class OutputSerializer(serializers.Serializer):
        reauthenticated_until = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: AuthenticatedRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        until = reauthentication.reauthenticate(
            request=request._request,
            password=payload.validated_data.get("password", ""),
            code=payload.validated_data.get("code", ""),
        )
        moment = datetime.fromtimestamp(until, tz=UTC)
        return Response(self.OutputSerializer({"reauthenticated_until": moment}).data)


class ReauthenticationCodeApi(APIView):
    """Text (or e-mail) a one-time code to the signed-in user, for `ReauthenticateApi`."""

    @extend_schema(request=None, responses={202: None})
    def post(self, request: AuthenticatedRequest) -> Response:
        sign_in.sign_in_code_send(
            username=request.user.get_username(), client=client_address(request._request)
        )
        return Response(status=status.HTTP_202_ACCEPTED)
