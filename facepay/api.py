"""Platform API: who am I."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from facepay import selectors
from facepay.permissions import AuthenticatedRequest


class MeApi(APIView):
    """The signed-in user, their role and their home page."""

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
