"""Enrolment and the customer's template."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from customers import errors, services
from customers.api.base import (
    CustomerApi,
    DeletionOutput,
    TemplateOutput,
    client_ip,
    template_payload,
)
from customers.models import BiometricDeletion, EnrolmentChallenge
from facepay.face import burst
from facepay.permissions import AuthenticatedRequest


def _decode_base64(value: str) -> bytes:
    if value.startswith("data:") and "," in value[:64]:
        value = value.split(",", 1)[1]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.EnrolmentFramesInvalid(_("A frame is not valid base64.")) from exc


class EnrolmentChallengeOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    challenge = serializers.CharField()
    instruction = serializers.SerializerMethodField()
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()

    def get_instruction(self, row: EnrolmentChallenge) -> str:
        return burst.challenge_instruction(row.challenge)


class EnrolmentChallengeApi(CustomerApi):
    """Start a camera enrolment: a liveness challenge drawn by the server (blink, turn_left,
    turn_right or nod), bound to the caller, single use, valid for two minutes. Show its
    `instruction`, record a burst and post it to `face/enrol`."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "face_check"

    @extend_schema(request=None, responses={201: EnrolmentChallengeOutput})
    def post(self, request: AuthenticatedRequest) -> Response:
        row = services.enrolment_challenge_issue(customer=self.customer(request))
        return Response(EnrolmentChallengeOutput(row).data, status=status.HTTP_201_CREATED)


class FaceEnrolApi(CustomerApi):
    """Enrol (or re-enrol) from a burst: 10-20 JPEG frames (base64) recorded under the enrolment
    challenge `challenge_id`, each with its capture time (`timestamps_ms`, epoch milliseconds).
    The same liveness check as a face payment; the template is made from the burst's frontal
    frames only when it passes, and no frame is kept. The old shape (1-3 photos in multipart
    `images`) is refused with `burst_required`: a photo collection proves no live person."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "face_check"

    @extend_schema_serializer(component_name="FaceEnrolBurstInput")
    class InputSerializer(serializers.Serializer):
        challenge_id = serializers.UUIDField()
        frames = serializers.ListField(child=serializers.CharField(), max_length=40)
        timestamps_ms = serializers.ListField(
            child=serializers.FloatField(min_value=0, max_value=1e14), max_length=40
        )

    @extend_schema(request=InputSerializer, responses=TemplateOutput)
    def post(self, request: AuthenticatedRequest) -> Response:
        customer = self.customer(request)
        data = request.data
        if request.FILES or "images" in data or "challenge_id" not in data:
            raise errors.EnrolmentBurstRequired(
                _(
                    "Photos are not accepted for enrolment: start a camera enrolment, show its "
                    "challenge and post a recording of 10 to 20 frames."
                )
            )
        payload = self.InputSerializer(data=data)
        payload.is_valid(raise_exception=True)
        values = payload.validated_data
        services.face_enrol_burst(
            customer=customer,
            challenge_id=values["challenge_id"],
            frames=[_decode_base64(frame) for frame in values["frames"]],
            timestamps_ms=list(values["timestamps_ms"]),
            ip_address=client_ip(request),
        )
        customer.refresh_from_db()
        return Response(TemplateOutput(template_payload(customer)).data)


class FaceTemplateApi(CustomerApi):
    """GET: enrolment status (never the template). DELETE: delete biometric data, with receipt."""

    @extend_schema(responses=TemplateOutput)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(TemplateOutput(template_payload(self.customer(request))).data)

    @extend_schema(responses=DeletionOutput)
    def delete(self, request: AuthenticatedRequest) -> Response:
        receipt = services.face_biometrics_delete(
            customer=self.customer(request), reason=BiometricDeletion.Reason.CUSTOMER_REQUEST
        )
        return Response(DeletionOutput(receipt).data)
