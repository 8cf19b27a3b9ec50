"""Merchant API: one APIView per operation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from merchants.authentication import IsSignedTerminal, TerminalSignatureAuthentication
from merchants.serializers import TerminalWhereaboutsOutput


class TerminalMeApi(APIView):
    """A signed terminal asks where it stands (store and merchant)."""

    authentication_classes = [TerminalSignatureAuthentication]
    permission_classes = [IsSignedTerminal]

    @extend_schema(request=None, responses=TerminalWhereaboutsOutput)
    def get(self, request: Request) -> Response:
        terminal = request.auth
        output = TerminalWhereaboutsOutput(
            {"terminal": terminal, "store": terminal.store, "merchant": terminal.store.merchant}
        )
        return Response(output.data)
