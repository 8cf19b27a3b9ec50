"""Sign-up, the phone check, the profile and consent."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import OpenApiTypes, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from customers import selectors, services, signup_session
from customers.api.base import (
    ConsentRecordOutput,
    CustomerApi,
    ProfileOutput,
    client_agent,
    client_ip,
)
from customers.models import ConsentDocument
from facepay.models import User
from facepay.permissions import AuthenticatedRequest, CsrfChecked, has_role


class CustomerOrPendingSignUp(BasePermission):
    """A signed-in customer, or an anonymous session whose sign-up waits for its code."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.user.is_authenticated:
            return has_role(User.Role.CUSTOMER)().has_permission(request, view)
        return signup_session.is_pending(request._request)


class SignUpApi(APIView):
    """Create a customer account (anonymous) and text a code; the customer is signed in once
    `phone/verify` confirms it. A phone that already has an account gets the same answer (its
    owner is texted instead), so nobody learns which numbers have accounts."""

    permission_classes = [AllowAny, CsrfChecked]
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

    @extend_schema_serializer(component_name="CustomerSignUpOutput")
    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()  # "code_sent"
        phone = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={202: OutputSerializer})
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        phone = signup_session.sign_up_start(
            request=request._request,
            data=payload.validated_data,
            ip_address=client_ip(request),
        )
        return Response(
            self.OutputSerializer({"status": "code_sent", "phone": phone}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class PhoneCodeSendApi(CustomerApi):
    """Text a new one-time code to the customer's phone."""

    @extend_schema(request=None, responses={202: None})
    def post(self, request: AuthenticatedRequest) -> Response:
        self.customer(request)
        services.phone_verification_send(user=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)


class PhoneVerifyApi(CustomerApi):
    """Confirm the phone with the texted code; after a sign-up this also signs the customer in
    (anonymous, with the sign-up's session)."""

    permission_classes = [CustomerOrPendingSignUp, CsrfChecked]

    @extend_schema_serializer(component_name="CustomerPhoneVerifyInput")
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=12)

    @extend_schema(request=InputSerializer, responses=ProfileOutput)
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        if isinstance(request.user, User):  # signed in (the permission allowed only a customer)
            self.customer(cast(AuthenticatedRequest, request))
            payload.is_valid(raise_exception=True)
            customer = services.phone_verification_confirm(
                user=request.user, code=payload.validated_data["code"]
            )
        else:
            payload.is_valid(raise_exception=True)
            customer = signup_session.sign_up_confirm(
                request=request._request, code=payload.validated_data["code"]
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

    # 204 when the purpose was not given (nothing to withdraw).
    @extend_schema(request=InputSerializer, responses={200: ConsentRecordOutput, 204: None})
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
