"""Rights: who used my face, deletions, the data export, closing the account."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiTypes, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from customers import errors, exports, selectors, services
from customers.api.base import CustomerApi, DeletionOutput, FaceUseOutput, client_ip
from facepay.permissions import AuthenticatedRequest


class FaceUseListApi(CustomerApi):
    """ "Who used my face": every identification that touched this customer."""

    @extend_schema(responses=FaceUseOutput(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        uses = exports.face_use_rows(customer=self.customer(request))
        return Response(FaceUseOutput(uses, many=True).data)


class DeletionListApi(CustomerApi):
    """Receipts of every biometric deletion."""

    @extend_schema(responses=DeletionOutput(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        receipts = selectors.biometric_deletion_list(customer=self.customer(request))
        return Response(DeletionOutput(receipts, many=True).data)


class ExportApi(CustomerApi):
    """Everything about the customer (never the template): `?file=json` (default) or `?file=csv`."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: AuthenticatedRequest) -> Response | HttpResponse:
        customer = self.customer(request)
        if request.query_params.get("file") == "csv":
            return exports.csv_response(customer)
        return exports.json_response(customer)


class AccountCloseApi(CustomerApi):
    """Close the account: biometrics shredded, personal data erased, ledger kept pseudonymised."""

    @extend_schema_serializer(component_name="CustomerAccountCloseInput")
    class InputSerializer(serializers.Serializer):
        confirm = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request: AuthenticatedRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not payload.validated_data["confirm"]:
            raise errors.AccountCloseNotConfirmed(_("Confirm that you want to close the account."))
        services.customer_account_close(
            customer=self.customer(request), ip_address=client_ip(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
