"""Customer API (/api/customers/…): one view per portal operation, the signed-in customer only.

No endpoint takes a customer id: every read and write is scoped to `request.user`'s own row.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiTypes, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from customers import errors, exports, selectors, services, signup_session
from customers.models import BiometricDeletion, ConsentDocument, Customer
from facepay import reauthentication
from facepay.face import errors as face_errors
from facepay.face.config import get_config
from facepay.models import User
from facepay.permissions import CsrfChecked, has_role
from payments import selectors as payment_selectors
from payments import services as payment_services


def client_ip(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def client_agent(request: Any) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:400]


class CustomerOrPendingSignUp(BasePermission):
    """A signed-in customer, or an anonymous session whose sign-up waits for its code."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.user.is_authenticated:
            return has_role(User.Role.CUSTOMER)().has_permission(request, view)
        return signup_session.is_pending(request._request)


class CustomerApi(APIView):
    """Base: customer role, and `self.customer(request)` is the caller's own row."""

    permission_classes = [has_role(User.Role.CUSTOMER)]

    def customer(self, request: Request) -> Customer:
        return selectors.customer_for_user(user=request.user)


# --- output serializers ---------------------------------------------------------------------
class ProfileOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    display_name = serializers.CharField(source="user.display_name")
    phone = serializers.CharField(source="user.phone")
    is_phone_verified = serializers.BooleanField()
    date_of_birth = serializers.DateField()
    currency = serializers.CharField()
    per_payment_limit_minor = serializers.IntegerField()
    daily_limit_minor = serializers.IntegerField()
    step_up_above_minor = serializers.IntegerField()
    confirm_free_up_to_minor = serializers.IntegerField()
    is_face_pay_enabled = serializers.BooleanField()
    is_lookalike_flagged = serializers.BooleanField()
    has_payment_pin = serializers.SerializerMethodField()

    def get_has_payment_pin(self, customer: Customer) -> bool:
        return bool(customer.payment_pin_hash)


class ConsentRecordOutput(serializers.Serializer):
    purpose = serializers.CharField()
    action = serializers.CharField()
    document_version = serializers.IntegerField(source="document.version")
    document_sha256 = serializers.CharField()
    at = serializers.DateTimeField()
    record_hash = serializers.CharField()


class TemplateOutput(serializers.Serializer):
    is_enrolled = serializers.BooleanField()
    created_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    model_version = serializers.CharField(allow_blank=True)
    quality = serializers.FloatField(allow_null=True)
    frame_count = serializers.IntegerField(allow_null=True)
    is_lookalike_flagged = serializers.BooleanField()


class DeletionOutput(serializers.Serializer):
    reason = serializers.CharField()
    deleted_at = serializers.DateTimeField()
    destroyed_key_id = serializers.CharField()
    receipt_hash = serializers.CharField()


class FaceUseOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    store_id = serializers.IntegerField()
    store_name = serializers.CharField()
    terminal_id = serializers.IntegerField()
    attempt_id = serializers.IntegerField()
    outcome = serializers.CharField()
    similarity = serializers.FloatField(allow_null=True)
    is_step_up_used = serializers.BooleanField()


class StatementLineOutput(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    kind = serializers.CharField()
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    balance_after_minor = serializers.IntegerField()
    reference = serializers.CharField()
    memo = serializers.CharField()
    payment_id = serializers.UUIDField(allow_null=True)
    merchant_name = serializers.CharField()
    store_name = serializers.CharField()


def template_payload(customer: Customer) -> dict[str, Any]:
    template = selectors.face_template_for(customer=customer)
    return {
        "is_enrolled": template is not None,
        "created_at": template.created_at if template else None,
        "last_used_at": template.last_used_at if template else None,
        "model_version": template.model_version if template else "",
        "quality": round(template.quality, 4) if template else None,
        "frame_count": template.frame_count if template else None,
        "is_lookalike_flagged": customer.is_lookalike_flagged,
    }


# --- sign-up and phone ----------------------------------------------------------------------
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
    def post(self, request: Request) -> Response:
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
        if request.user.is_authenticated:
            self.customer(request)
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        code = payload.validated_data["code"]
        if request.user.is_authenticated:
            customer = services.phone_verification_confirm(user=request.user, code=code)
        else:
            customer = signup_session.sign_up_confirm(request=request._request, code=code)
        return Response(ProfileOutput(customer).data)


class ProfileApi(CustomerApi):
    """The customer's own profile; PATCH changes the display name."""

    @extend_schema_serializer(component_name="CustomerProfileInput")
    class InputSerializer(serializers.Serializer):
        display_name = serializers.CharField(max_length=100)

    @extend_schema(responses=ProfileOutput)
    def get(self, request: Request) -> Response:
        return Response(ProfileOutput(self.customer(request)).data)

    @extend_schema(request=InputSerializer, responses=ProfileOutput)
    def patch(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = services.customer_profile_update(
            customer=self.customer(request), display_name=payload.validated_data["display_name"]
        )
        return Response(ProfileOutput(customer).data)


# --- consent --------------------------------------------------------------------------------
class ConsentListApi(CustomerApi):
    """The current consent texts and, per purpose, whether consent is given."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
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
    def post(self, request: Request) -> Response:
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
    def post(self, request: Request) -> Response:
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
    def get(self, request: Request) -> Response:
        return Response(selectors.consent_chain(customer=self.customer(request)))


# --- enrolment ------------------------------------------------------------------------------
class FaceEnrolApi(CustomerApi):
    """Enrol (or re-enrol) from 1–3 photos in multipart field `images`; photos are not kept."""

    parser_classes = [MultiPartParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "face_check"

    @extend_schema(request={"multipart/form-data": OpenApiTypes.OBJECT}, responses=TemplateOutput)
    def post(self, request: Request) -> Response:
        customer = self.customer(request)
        uploads = request.FILES.getlist("images")
        limit = get_config().max_image_bytes
        images = []
        for number, upload in enumerate(uploads, start=1):
            if upload.size is not None and upload.size > limit:
                raise face_errors.ImageTooLarge(
                    _("The image file is too large."),
                    size_bytes=upload.size,
                    max_bytes=limit,
                    frame=number,
                )
            images.append(bytes(upload.read(limit + 1)))
        services.face_enrol(customer=customer, images=images, ip_address=client_ip(request))
        customer.refresh_from_db()
        return Response(TemplateOutput(template_payload(customer)).data)


class FaceTemplateApi(CustomerApi):
    """GET: enrolment status (never the template). DELETE: delete biometric data, with receipt."""

    @extend_schema(responses=TemplateOutput)
    def get(self, request: Request) -> Response:
        return Response(TemplateOutput(template_payload(self.customer(request))).data)

    @extend_schema(responses=DeletionOutput)
    def delete(self, request: Request) -> Response:
        receipt = services.face_biometrics_delete(
            customer=self.customer(request), reason=BiometricDeletion.Reason.CUSTOMER_REQUEST
        )
        return Response(DeletionOutput(receipt).data)


# --- wallet ---------------------------------------------------------------------------------
class WalletApi(CustomerApi):
    """Balance and every wallet movement (from the ledger), newest first."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        customer = self.customer(request)
        lines = payment_selectors.wallet_statement(customer_id=customer.pk)
        return Response(
            {
                "currency": customer.currency,
                "balance_minor": payment_selectors.wallet_balance_minor(
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
    def move(**movement: object) -> object:
        return payment_services.wallet_top_up(**movement)

    @extend_schema(request=InputSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
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
                "balance_minor": payment_selectors.wallet_balance_minor(
                    customer_id=customer.pk, currency=customer.currency
                ),
                "currency": customer.currency,
            },
            status=status.HTTP_201_CREATED,
        )


class WalletWithdrawApi(WalletTopUpApi):
    """Withdraw to a simulated bank card (at most the balance: `insufficient_balance`); needs a
    fresh re-authentication (`reauthentication_required`: POST /api/me/reauthenticate)."""

    @extend_schema(request=WalletTopUpApi.InputSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        reauthentication.require_recent(request._request)
        return super().post(request)

    @staticmethod
    def move(**movement: object) -> object:
        return payment_services.wallet_withdraw(**movement)


# --- controls -------------------------------------------------------------------------------
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
    def put(self, request: Request) -> Response:
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
    def post(self, request: Request) -> Response:
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
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.payment_pin_set(customer=self.customer(request), pin=payload.validated_data["pin"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PaymentCodeApi(CustomerApi):
    """Issue a one-time payment code (6 digits + QR as SVG), valid 60 seconds."""

    @extend_schema(request=None, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        issued = services.payment_code_issue(customer=self.customer(request))
        return Response(
            {
                "code": issued.code,
                "expires_at": issued.expires_at,
                "qr_svg": exports.qr_svg(issued.code),
            },
            status=status.HTTP_201_CREATED,
        )


# --- rights ---------------------------------------------------------------------------------
class FaceUseListApi(CustomerApi):
    """ "Who used my face": every identification that touched this customer."""

    @extend_schema(responses=FaceUseOutput(many=True))
    def get(self, request: Request) -> Response:
        uses = exports.face_use_rows(customer=self.customer(request))
        return Response(FaceUseOutput(uses, many=True).data)


class DeletionListApi(CustomerApi):
    """Receipts of every biometric deletion."""

    @extend_schema(responses=DeletionOutput(many=True))
    def get(self, request: Request) -> Response:
        receipts = selectors.biometric_deletion_list(customer=self.customer(request))
        return Response(DeletionOutput(receipts, many=True).data)


class ExportApi(CustomerApi):
    """Everything about the customer (never the template): `?file=json` (default) or `?file=csv`."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response | HttpResponse:
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
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not payload.validated_data["confirm"]:
            raise errors.AccountCloseNotConfirmed(_("Confirm that you want to close the account."))
        services.customer_account_close(
            customer=self.customer(request), ip_address=client_ip(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
