"""Sign-up, the phone check, the profile and consent."""

from __future__ import annotations

from django.contrib.auth import login
from drf_spectacular.utils import OpenApiTypes, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from customers import selectors, services
from customers.api.base import (
    ConsentRecordOutput,
    CustomerApi,
    ProfileOutput,
    client_agent,
    client_ip,
)
from customers.models import ConsentDocument
from facepay.permissions import AuthenticatedRequest


class SignUpApi(APIView):
    """Create a customer account (anonymous); signs the new customer in and texts a code."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema_serializer(component_name="CustomerSignUpInput")
    class InputSerializer(serializers.Serializer):
        phone = serializers.CharField(max_length=32)
        display_name = serializers.CharField(max_length=100)
        date_of_birth = serializers.DateField()
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        guardian_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        has_guardian_consent = serializers.BooleanField(required=False, default=False)

    @extend_schema(request=InputSerializer, responses={201: ProfileOutput})
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = services.customer_sign_up(
            **payload.validated_data, ip_address=client_ip(request)
        )
        login(request._request, customer.user, backend="django.contrib.auth.backends.ModelBackend")
        return Response(ProfileOutput(customer).data, status=status.HTTP_201_CREATED)


class PhoneCodeSendApi(CustomerApi):
    """Text a new one-time code to the customer's phone."""

    @extend_schema(request=None, responses={202: None})
    def post(self, request: AuthenticatedRequest) -> Response:
        self.customer(request)
        services.phone_verification_send(user=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)


class PhoneVerifyApi(CustomerApi):
    """Confirm the phone with the texted code."""

    @extend_schema_serializer(component_name="CustomerPhoneVerifyInput")
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=12)

    @extend_schema(request=InputSerializer, responses=ProfileOutput)
    def post(self, request: AuthenticatedRequest) -> Response:
        self.customer(request)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = services.phone_verification_confirm(
            user=request.user, code=payload.validated_data["code"]
        )
        return Response(ProfileOutput(customer).data)


class ProfileApi(CustomerApi):
    """The customer's own profile; PATCH changes the display name."""

    @extend_schema_serializer(component_name="CustomerProfileInput")
    class InputSerializer(serializers.Serializer):
        display_name = serializers.CharField(max_length=100)

    @extend_schema(responses=ProfileOutput)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(ProfileOutput(self.customer(request)).data)

    @extend_schema(request=InputSerializer, responses=ProfileOutput)
    def patch(self, request: AuthenticatedRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = services.customer_profile_update(
            customer=self.customer(request), display_name=payload.validated_data["display_name"]
        )
        return Response(ProfileOutput(customer).data)


class ConsentListApi(CustomerApi):
    """The current consent texts and, per purpose, whether consent is given."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: AuthenticatedRequest) -> Response:
        customer = self.customer(request)
        services.consent_documents_ensure()
        state = selectors.consent_state(customer=customer)
        documents = [
            {
                "purpose": document.purpose,
                "version": document.version,
                "title": document.title,
                "text": document.text,
                "sha256": document.sha256,
                "is_given": state[document.purpose] is not None,
            }
            for document in selectors.consent_documents_current()
        ]
        return Response({"documents": documents})


class ConsentGiveApi(CustomerApi):
    """Give consent to one purpose's current text (send its sha256 to prove which text)."""

    @extend_schema_serializer(component_name="CustomerConsentGiveInput")
    class InputSerializer(serializers.Serializer):
        purpose = serializers.ChoiceField(choices=ConsentDocument.Purpose.choices)
        document_sha256 = serializers.CharField(max_length=64, required=False)

    @extend_schema(request=InputSerializer, responses={201: ConsentRecordOutput})
    def post(self, request: AuthenticatedRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = services.consent_give(
            customer=self.customer(request),
            **payload.validated_data,
            ip_address=client_ip(request),
            user_agent=client_agent(request),
        )
        return Response(ConsentRecordOutput(record).data, status=status.HTTP_201_CREATED)


class ConsentWithdrawApi(CustomerApi):
    """Withdraw one purpose (one call, like giving it); the face template is deleted at once."""

    @extend_schema_serializer(component_name="CustomerConsentWithdrawInput")
    class InputSerializer(serializers.Serializer):
        purpose = serializers.ChoiceField(choices=ConsentDocument.Purpose.choices)

    @extend_schema(request=InputSerializer, responses=ConsentRecordOutput)
    def post(self, request: AuthenticatedRequest) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        record = services.consent_withdraw(
            customer=self.customer(request),
            purpose=payload.validated_data["purpose"],
            ip_address=client_ip(request),
            user_agent=client_agent(request),
        )
        if record is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ConsentRecordOutput(record).data)


class ConsentRecordApi(CustomerApi):
    """The hash-chained consent history (downloadable; `is_intact` re-verifies the chain)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(selectors.consent_chain(customer=self.customer(request)))
