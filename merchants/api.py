"""Merchant API: one APIView per operation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from facepay.models import User
from facepay.permissions import has_role, signed_in_user
from merchants import selectors
from merchants.authentication import (
    IsSignedTerminal,
    TerminalRequest,
    TerminalSignatureAuthentication,
)
from merchants.serializers import StoreOutput, TerminalOutput, TerminalWhereaboutsOutput


class TerminalMeApi(APIView):
    """A signed terminal asks where it stands (store and merchant)."""

    authentication_classes = [TerminalSignatureAuthentication]
    permission_classes = [IsSignedTerminal]

    @extend_schema(request=None, responses=TerminalWhereaboutsOutput)
    def get(self, request: TerminalRequest) -> Response:
        terminal = request.auth
        output = TerminalWhereaboutsOutput(
            {"terminal": terminal, "store": terminal.store, "merchant": terminal.store.merchant}
        )
        return Response(output.data)


PORTAL_ROLES = (User.Role.MERCHANT_OWNER, User.Role.STORE_STAFF, User.Role.OPERATOR)


class MerchantStoreListApi(ListAPIView):
    """Stores the viewer may see."""

    permission_classes = [has_role(*PORTAL_ROLES)]
    serializer_class = StoreOutput

    def get_queryset(self):
        return selectors.store_list_for_user(user=signed_in_user(self.request)).order_by("id")


class MerchantTerminalListApi(ListAPIView):
    """Terminals of the stores the viewer may see (never their secrets)."""

    permission_classes = [has_role(*PORTAL_ROLES)]
    serializer_class = TerminalOutput

    def get_queryset(self):
        return selectors.terminal_list_for_user(user=signed_in_user(self.request))
